import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiKeyValidationError, type FieldError } from '../api-keys.errors.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * The admin API's own validation: whitelist, unknown fields rejected, 400 `VALIDATION_FAILED`
 * with `errors: [{ field, messages }]`. It runs after any global pipe of the host; nesting is
 * bounded before every pipe, by AdminInputBoundsInterceptor.
 * @internal
 */
export const adminValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
  exceptionFactory: (errors) => new ApiKeyValidationError(flatten(errors)),
});
