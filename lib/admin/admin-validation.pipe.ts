import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ApiKeyValidationError, type FieldError } from '../api-keys.errors.js';
import { MAX_BODY_DEPTH, MAX_META_DEPTH, nestsDeeperThan } from './body-depth.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * The admin API's own validation: whitelist, unknown fields rejected, 400 `VALIDATION_FAILED`
 * with `errors: [{ field, messages }]`. Depth is bounded before class-transformer sees the
 * input: its recursion once overflowed the stack on a 3,000-level `meta` (a 500).
 * Bound on the admin controllers, so it holds whatever global pipe the host uses.
 * @internal
 */
class AdminValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const meta = (value as { meta?: unknown } | null)?.meta;
      if (nestsDeeperThan(meta, MAX_META_DEPTH)) {
        throw ApiKeyValidationError.field('meta', `meta must not nest deeper than ${MAX_META_DEPTH} levels`);
      }
      if (nestsDeeperThan(value, MAX_BODY_DEPTH)) {
        throw ApiKeyValidationError.field(metadata.type, `the ${metadata.type} must not nest deeper than ${MAX_BODY_DEPTH} levels`);
      }
    }
    return super.transform(value, metadata);
  }
}

export const adminValidationPipe = new AdminValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
  exceptionFactory: (errors) => new ApiKeyValidationError(flatten(errors)),
});
