import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiKeyNotFoundError } from '../api-keys.errors.js';
import { identifierProblem, type IdentifierKind } from '../keys/identifiers.js';

/**
 * A name in a path (`/roles/:name`) that is not an identifier of SPEC §11 cannot exist: 404, the
 * same as an unknown name (ParseKeyIdPipe's rule for ids). Never echoes the value.
 * @internal
 */
@Injectable()
export class ParseIdentifierPipe implements PipeTransform<unknown, string> {
  constructor(private readonly kind: IdentifierKind) {}

  transform(value: unknown): string {
    if (identifierProblem(this.kind, value) !== null) throw new ApiKeyNotFoundError(`No ${this.kind} has this name.`);
    return value as string;
  }
}
