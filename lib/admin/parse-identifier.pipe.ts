import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiKeyNotFoundError } from '../api-keys.errors.js';
import { checkIdentifier } from '../keys/api-key-input.js';
import { identifierProblem, type IdentifierKind } from '../keys/identifiers.js';

/**
 * A path parameter that is an identifier of SPEC §11 (an owner id, a secret, role or permission
 * name), checked by the one rule in `identifiers.ts`: whatever a client puts in the path
 * (padding, controls, 10,000 characters) never reaches the store. A name a route only looks up
 * (`DELETE /roles/:name`) cannot exist when it is no identifier: 404, like an unknown name
 * (ParseKeyIdPipe's rule for ids). A name a route may create (`PUT /secrets/:name`) is bad
 * input: 400 VALIDATION_FAILED naming the parameter. Never echoes the value.
 *
 * @example
 * @Put('secrets/:name') put(@Param('name', new ParseIdentifierPipe('secretName', { field: 'name' })) name: string) {}
 * @Delete('roles/:name') remove(@Param('name', new ParseIdentifierPipe('role', { invalid: 'not-found' })) name: string) {}
 * @internal
 */
@Injectable()
export class ParseIdentifierPipe implements PipeTransform<unknown, string> {
  private readonly field: string;
  private readonly invalid: 'bad-request' | 'not-found';

  constructor(
    private readonly kind: IdentifierKind,
    options: { field?: string; invalid?: 'bad-request' | 'not-found' } = {},
  ) {
    this.field = options.field ?? kind;
    this.invalid = options.invalid ?? 'bad-request';
  }

  transform(value: unknown): string {
    if (this.invalid === 'bad-request') return checkIdentifier(this.kind, this.field, value);
    if (identifierProblem(this.kind, value) !== null) throw new ApiKeyNotFoundError(`No ${this.kind} has this name.`);
    return value as string;
  }
}
