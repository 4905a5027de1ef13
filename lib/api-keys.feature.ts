import type { Provider, Type } from '@nestjs/common';
import type { ApiKeyChangeHook } from './interfaces/api-key-change.interface.js';
import type { ApiKeyVerificationHook } from './verification/verification-hook.js';

/**
 * One feature of the module, as `ApiKeysModule` assembles it (DESIGN: features plug in): its
 * providers and what the core module exports of them, its entities and migrations, its admin
 * controllers, the change hooks it adds to the pipeline, the hooks that run after each
 * verification, and the runtime options it owns.
 * Adding a feature touches its folder and the FEATURES list, nothing else.
 * @internal
 */
export interface ApiKeysFeature {
  name: string;
  providers?: Provider[];
  exports?: Array<Type<unknown> | string | symbol>;
  entities?: Function[];
  migrations?: Function[];
  adminControllers?: Type<unknown>[];
  changeHooks?: Type<ApiKeyChangeHook>[];
  /** Steps after every verification, in FEATURES order. */
  verificationHooks?: Type<ApiKeyVerificationHook>[];
  /** Names of the runtime options this feature reads (validated in resolveOptions). */
  options?: readonly string[];
}
