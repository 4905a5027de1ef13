import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { MAX_SECRET_VALUE_BYTES } from '../../secrets/secret-input.js';

/** Body of `PUT /owners/:ownerId/secrets/:name` and `PUT /secrets/:name`. */
export class PutSecretDto {
  /**
   * The secret, stored encrypted: a non-empty string of at most 32 KiB of UTF-8 (the service
   * counts the bytes; this bound stops longer strings before they are parsed further).
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_SECRET_VALUE_BYTES)
  value: string;
}
