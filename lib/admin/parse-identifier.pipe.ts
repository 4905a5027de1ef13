import { Injectable, type PipeTransform } from '@nestjs/common';
import type { IdentifierKind } from '../keys/identifiers.js';
import { checkIdentifier } from '../keys/api-key-input.js';

/**
 * A path parameter that is an identifier of SPEC §11 (an owner id, a secret name): checked by
 * the one rule in `identifiers.ts`, else 400 VALIDATION_FAILED naming the parameter. Whatever
 * a client puts in the path (padding, controls, 10,000 characters) never reaches the store.
 *
 * @example
 * @Get('owners/:ownerId/secrets')
 * list(@Param('ownerId', new ParseIdentifierPipe('ownerId')) ownerId: string) {}
 * @internal
 */
@Injectable()
export class ParseIdentifierPipe implements PipeTransform<unknown, string> {
  constructor(
    private readonly kind: IdentifierKind,
    private readonly field: string = kind,
  ) {}

  transform(value: unknown): string {
    return checkIdentifier(this.kind, this.field, value);
  }
}
