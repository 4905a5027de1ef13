import { Inject } from '@nestjs/common';
import {
  API_KEYS_DATA_SOURCE,
  API_KEYS_FAILED_ATTEMPTS,
  API_KEYS_RATE_LIMIT_STORAGE,
  API_KEYS_RESOLVED_OPTIONS,
} from './api-keys.internal-constants.js';
import { API_KEYS_MODULE_OPTIONS } from './api-keys.module-definition.js';
import { ApiKeysInvalidationBus } from './interfaces/invalidation-bus.interface.js';

/** Token of the DataSource the library uses (the one named by the `dataSource` option). */
export const getApiKeysDataSourceToken = () => API_KEYS_DATA_SOURCE;
/** Token of the resolved runtime options (defaults filled in). */
export const getApiKeysOptionsToken = () => API_KEYS_RESOLVED_OPTIONS;

/** Injects the DataSource that holds the key tables. */
export const InjectApiKeysDataSource = () => Inject(API_KEYS_DATA_SOURCE);
/** Injects the resolved runtime options. */
export const InjectApiKeysOptions = () => Inject(API_KEYS_RESOLVED_OPTIONS);
/** Token of the rate-limit storage the library counts with. */
export const getApiKeysRateLimitStorageToken = () => API_KEYS_RATE_LIMIT_STORAGE;
/** Injects the rate-limit storage the library counts with. */
export const InjectApiKeysRateLimitStorage = () => Inject(API_KEYS_RATE_LIMIT_STORAGE);
/** Token of the brute-force protection (`FailedAttempts`, or null when turned off): ApiKeyGuard's last constructor argument. */
export const getApiKeysFailedAttemptsToken = () => API_KEYS_FAILED_ATTEMPTS;
/** Injects the brute-force protection, e.g. in a subclass of ApiKeyGuard. */
export const InjectApiKeysFailedAttempts = () => Inject(API_KEYS_FAILED_ATTEMPTS);
/** Token of the runtime options as given (before defaults). */
export const getApiKeysModuleOptionsToken = () => API_KEYS_MODULE_OPTIONS;
/** Injects the runtime options as given (before defaults). */
export const InjectApiKeysModuleOptions = () => Inject(API_KEYS_MODULE_OPTIONS);
/** Token of the cache invalidation bus (the `cache.bus` option, else the in-process default). */
export const getApiKeysInvalidationBusToken = () => ApiKeysInvalidationBus;
/** Injects the cache invalidation bus, e.g. to publish an invalidation of your own. */
export const InjectApiKeysInvalidationBus = () => Inject(ApiKeysInvalidationBus);
