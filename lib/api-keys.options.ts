import {
  DEFAULT_SOURCES,
  DEFAULT_KEY_BYTES,
  DEFAULT_KEY_PREFIX,
  DEFAULT_LAST_USED_WRITE_INTERVAL_MS,
  DEFAULT_STORE_TIMEOUT_MS,
  MIN_KEY_BYTES,
} from './api-keys.constants.js';
import type { AdminPolicy, ApiKeysModuleOptions, ApiKeysStructuralOptions, KeySource } from './interfaces/api-keys-options.interface.js';
import { systemClock, type ApiKeysClock } from './interfaces/clock.interface.js';
import type { ApiKeyEvent } from './interfaces/api-key-event.interface.js';
import type { FailedAttemptsOptions, RateLimitRule, RateLimitStorage } from './interfaces/quota.interface.js';
import { RUNTIME_OPTION_NAMES } from './api-keys.features.js';
import { resolveCacheOptions, type ResolvedCacheOptions } from './cache/cache.options.js';
import { checkRateLimits } from './keys/api-key-input.js';
import { KEY_PREFIX_PATTERN } from './keys/key-format.js';
import { resolveMaxKeysPerOwner } from './owners/owners.options.js';
import { resolveSecretsOption, type SecretsKeyring } from './secrets/secrets-keyring.js';
import { resolveVerificationLogOptions, type ResolvedVerificationLogOptions } from './usage/usage.options.js';

export { DEFAULT_SOURCES };
const DEFAULT_MAX_GRACE_PERIOD_MS = 24 * 60 * 60 * 1000;
const DEFAULT_FAILED_ATTEMPTS: FailedAttemptsOptions = { limit: 30, windowMs: 60_000 };

/** Runtime options with every default filled in and checked once at boot. @internal */
export interface ResolvedApiKeysOptions {
  keyPrefix: string;
  keyBytes: number;
  pepper: ApiKeysModuleOptions['pepper'];
  legacyKeyPattern?: RegExp;
  sources: KeySource[];
  /** The key cache, or false when it is off. */
  cache: ResolvedCacheOptions | false;
  lastUsedWriteIntervalMs: number;
  storeTimeoutMs: number;
  defaultRateLimits: RateLimitRule[];
  rateLimitStorage?: RateLimitStorage;
  failedAttempts: FailedAttemptsOptions | false;
  /** Most keys one owner may hold that are not revoked or purged; null: no cap. */
  maxKeysPerOwner: number | null;
  /** The decoded keyring of the secrets vault, or undefined without the `secrets` option. */
  secrets?: SecretsKeyring;
  adminPolicy: AdminPolicy & { maxGracePeriodMs: number };
  onEvent?: (event: ApiKeyEvent) => void;
  verificationLog: ResolvedVerificationLogOptions;
  clock: ApiKeysClock;
}

/** Options that shape the module itself: plain values, read before any factory runs. */
const STRUCTURAL_OPTIONS = new Set<string>(['isGlobal', 'dataSource', 'globalGuard', 'admin'] satisfies Array<
  keyof ApiKeysStructuralOptions
>);

/**
 * Merges defaults over the caller's options and fails fast on values that cannot work. In
 * forRoot the structural options ride along with the runtime ones; from a forRootAsync factory
 * they would come too late to shape the module (a `globalGuard: true` there registered no
 * guard, silently), so they fail the boot saying where they go. @internal
 */
export function resolveOptions(
  options: ApiKeysModuleOptions = {},
  { fromFactory = false, known = RUNTIME_OPTION_NAMES }: { fromFactory?: boolean; known?: readonly string[] } = {},
): ResolvedApiKeysOptions {
  const runtime = new Set(known);
  const misplaced = fromFactory ? Object.keys(options).filter((name) => STRUCTURAL_OPTIONS.has(name)) : [];
  if (misplaced.length > 0) {
    throw new Error(
      `nest-api-keys: ${misplaced.join(', ')} came from the forRootAsync factory, where ${misplaced.length > 1 ? 'they' : 'it'} cannot take effect: ` +
        `structural options are plain values next to useFactory, e.g. ApiKeysModule.forRootAsync({ useFactory, ${misplaced[0]}: … }).`,
    );
  }
  const unknown = Object.keys(options).filter((name) => !runtime.has(name) && !STRUCTURAL_OPTIONS.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `nest-api-keys: unknown or not yet supported option(s): ${unknown.join(', ')}. See the README's configuration reference.`,
    );
  }
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (!KEY_PREFIX_PATTERN.test(keyPrefix)) {
    throw new Error(`nest-api-keys: keyPrefix '${keyPrefix}' must match ${KEY_PREFIX_PATTERN} (e.g. 'sk_live').`);
  }
  const keyBytes = options.keyBytes ?? DEFAULT_KEY_BYTES;
  if (!Number.isInteger(keyBytes) || keyBytes < MIN_KEY_BYTES || keyBytes > 128) {
    throw new Error(`nest-api-keys: keyBytes must be an integer from ${MIN_KEY_BYTES} to 128 (got ${keyBytes}).`);
  }
  const positive = (name: string, value: number | undefined, fallback: number) => {
    const resolved = value ?? fallback;
    if (!Number.isFinite(resolved) || resolved <= 0) throw new Error(`nest-api-keys: ${name} must be a positive number.`);
    return resolved;
  };
  for (const source of options.sources ?? []) {
    if (!['header', 'bearer', 'query'].includes(source.in)) {
      throw new Error(`nest-api-keys: unknown key source '${(source as { in: string }).in}'.`);
    }
  }
  return {
    keyPrefix,
    keyBytes,
    pepper: options.pepper,
    legacyKeyPattern: options.legacyKeyPattern,
    sources: options.sources?.length ? options.sources : DEFAULT_SOURCES,
    cache: resolveCacheOptions(options.cache),
    lastUsedWriteIntervalMs: positive('lastUsedWriteIntervalMs', options.lastUsedWriteIntervalMs, DEFAULT_LAST_USED_WRITE_INTERVAL_MS),
    storeTimeoutMs: positive('storeTimeoutMs', options.storeTimeoutMs, DEFAULT_STORE_TIMEOUT_MS),
    defaultRateLimits: checkRateLimits('defaultRateLimits', options.defaultRateLimits) ?? [],
    rateLimitStorage: options.rateLimitStorage,
    failedAttempts:
      options.failedAttempts === false
        ? false
        : {
            limit: positive('failedAttempts.limit', options.failedAttempts?.limit, DEFAULT_FAILED_ATTEMPTS.limit),
            windowMs: positive('failedAttempts.windowMs', options.failedAttempts?.windowMs, DEFAULT_FAILED_ATTEMPTS.windowMs),
          },
    maxKeysPerOwner: resolveMaxKeysPerOwner(options.maxKeysPerOwner),
    secrets: resolveSecretsOption(options.secrets),
    adminPolicy: { ...options.adminPolicy, maxGracePeriodMs: options.adminPolicy?.maxGracePeriodMs ?? DEFAULT_MAX_GRACE_PERIOD_MS },
    onEvent: options.onEvent,
    verificationLog: resolveVerificationLogOptions(options.verificationLog),
    clock: options.clock ?? systemClock,
  };
}
