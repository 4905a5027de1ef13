import { SetMetadata } from '@nestjs/common';
import { SKIP_API_KEY_KEY } from '../api-keys.constants.js';

/**
 * Opts a route or controller out of `ApiKeyGuard` (for `globalGuard: true`).
 *
 * @example
 * @SkipApiKey() @Get('health') health() {}
 */
export const SkipApiKey = (): MethodDecorator & ClassDecorator => SetMetadata(SKIP_API_KEY_KEY, true);
