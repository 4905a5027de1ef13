import { SetMetadata } from '@nestjs/common';
import { OPTIONAL_API_KEY_KEY } from '../api-keys.constants.js';

/**
 * A request without a key passes without a principal; a key that is present must verify.
 * For routes that also accept the host's own auth.
 *
 * @example
 * @OptionalApiKey() @Get('catalog') list(@CurrentApiKey() key?: ApiKeyPrincipal) {}
 */
export const OptionalApiKey = (): MethodDecorator & ClassDecorator => SetMetadata(OPTIONAL_API_KEY_KEY, true);
