import { Injectable, type PipeTransform } from '@nestjs/common';
import { ApiKeyNotFoundError } from '../api-keys.errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A key id that is not a UUID cannot exist: 404, the same as an unknown id. @internal */
@Injectable()
export class ParseKeyIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) throw new ApiKeyNotFoundError();
    return value.toLowerCase();
  }
}
