import { Inject } from '@nestjs/common';
import { API_KEYS_DATA_SOURCE, API_KEYS_RATE_LIMIT_STORAGE, API_KEYS_RESOLVED_OPTIONS } from './api-keys.internal-constants.js';

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
