// Public API of nest-api-keys. Everything a host or an implementer needs is exported here;
// nothing should be imported from dist/ paths.
export { ApiKeysModule } from './api-keys.module.js';
export { API_KEYS_MODULE_OPTIONS } from './api-keys.module-definition.js';
export * from './api-keys.constants.js';
export * from './api-keys.errors.js';
export {
  getApiKeysDataSourceToken,
  getApiKeysOptionsToken,
  getApiKeysRateLimitStorageToken,
  getApiKeysFailedAttemptsToken,
  getApiKeysModuleOptionsToken,
  InjectApiKeysFailedAttempts,
  InjectApiKeysModuleOptions,
  InjectApiKeysDataSource,
  InjectApiKeysOptions,
  InjectApiKeysRateLimitStorage,
  getApiKeysInvalidationBusToken,
  InjectApiKeysInvalidationBus,
} from './api-keys.tokens.js';

export type * from './interfaces/api-keys-options.interface.js';
export type * from './interfaces/api-key-principal.interface.js';
export type * from './interfaces/verify-result.interface.js';
export type * from './interfaces/api-key-event.interface.js';
export type * from './interfaces/clock.interface.js';
export { ApiKeysInvalidationBus, type ApiKeysInvalidation, type ApiKeysCacheOptions } from './interfaces/invalidation-bus.interface.js';
export { REFILL_INTERVALS } from './interfaces/quota.interface.js';
export type * from './interfaces/quota.interface.js';
export { API_KEY_STATUSES } from './interfaces/api-key.interface.js';
export type * from './interfaces/api-key.interface.js';
export type * from './interfaces/rbac.interface.js';
export type * from './interfaces/usage.interface.js';
export type * from './interfaces/audit.interface.js';
export type { ResolvedApiKeysOptions } from './api-keys.options.js';
export type { AdminPageContext } from './admin/ui/admin-page.interface.js';

export { ApiKeyService } from './keys/api-key.service.js';
export { ApiKeyRbacService } from './rbac/api-key-rbac.service.js';
export { ApiKeyUsageService } from './usage/api-key-usage.service.js';
export { ApiKeyAuditService } from './audit/api-key-audit.service.js';
export { API_KEY_AUDIT_ACTIONS } from './audit/audit-actions.js';
export { VERIFICATIONS_KEPT_PER_KEY } from './usage/usage-recorder.js';
export { MAX_VERIFY_TAGS } from './verification/verify-tags.js';
export { KEY_PREFIX_PATTERN } from './keys/key-format.js';
export { SHA256_HASH_VERSION } from './keys/key-hasher.js';
export { VERIFY_CODES, type VerifyCode, type GuardOnlyCode } from './interfaces/verify-code.interface.js';
export { VERIFY_MESSAGES } from './verification/verify-codes.js';
export { InMemoryRateLimitStorage } from './quotas/in-memory-rate-limit.storage.js';
export type { FailedAttempts } from './quotas/failed-attempts.js';
export { RedisThrottlerStorage, type RedisScriptClient, type RedisThrottlerStorageOptions } from './quotas/redis-throttler.storage.js';
export { periodStart, nextPeriodStart } from './quotas/refill-period.js';
export { InProcessInvalidationBus } from './cache/in-process-invalidation.bus.js';
export {
  RedisInvalidationBus,
  DEFAULT_INVALIDATION_CHANNEL,
  type RedisInvalidationBusOptions,
  type RedisInvalidationClient,
  type RedisInvalidationSubscriber,
} from './cache/redis-invalidation.bus.js';
export { grantCovers, grantsCover, satisfiesRequirement, PERMISSION_NAME_PATTERN } from './rbac/permission-matcher.js';

export { ApiKeyGuard } from './guard/api-key.guard.js';
export { DENIAL_STATUS, type DenialCode } from './guard/http-error-mapping.js';

export { RequirePermissions, type PermissionRequirement } from './decorators/require-permissions.decorator.js';
export { RequireRoles } from './decorators/require-roles.decorator.js';
export { ApiKeyCost } from './decorators/api-key-cost.decorator.js';
export { SkipApiKey } from './decorators/skip-api-key.decorator.js';
export { OptionalApiKey } from './decorators/optional-api-key.decorator.js';
export { CurrentApiKey } from './decorators/current-api-key.decorator.js';
export { ApiKeyVerification } from './decorators/api-key-verification.decorator.js';

export { ApiKeyAuth } from './openapi/api-key-auth.decorator.js';
export { addApiKeySecurity, type ApiKeySecurityDocumentBuilder, type ApiKeySecurityOptions } from './openapi/add-api-key-security.js';
export { API_KEYS_OPENAPI_TAG, API_KEY_SECURITY_SCHEME } from './openapi/openapi.constants.js';

export { API_KEYS_ENTITIES, API_KEYS_MIGRATIONS } from './api-keys.features.js';
export { ApiKeyEntity, ApiKeyOwnerEntity, ApiKeyPermissionEntity, ApiKeyRoleEntity } from './entities/index.js';
export { ApiKeyVerificationEntity } from './usage/api-key-verification.entity.js';
export { ApiKeyUsageRollupEntity } from './usage/api-key-usage-rollup.entity.js';
export { ApiKeyAuditEventEntity } from './audit/api-key-audit-event.entity.js';

export { CreateApiKeyDto } from './admin/dto/create-api-key.dto.js';
export { UpdateApiKeyDto } from './admin/dto/update-api-key.dto.js';
export { RotateApiKeyDto } from './admin/dto/rotate-api-key.dto.js';
export { RevokeManyDto } from './admin/dto/revoke-many.dto.js';
export { ListApiKeysQueryDto } from './admin/dto/list-api-keys.query.dto.js';
export { VerifyApiKeyDto } from './admin/dto/verify-api-key.dto.js';
export { RefillDto, RateLimitDto } from './admin/dto/quota.dto.js';
export { CreatePermissionDto } from './admin/dto/create-permission.dto.js';
export { CreateRoleDto } from './admin/dto/create-role.dto.js';
export { SetKeyRolesDto } from './admin/dto/set-key-roles.dto.js';
export { SetKeyPermissionsDto } from './admin/dto/set-key-permissions.dto.js';
export { ListRbacQueryDto } from './admin/dto/list-rbac.query.dto.js';
export { KeyUsageQueryDto, VerificationLogQueryDto, StatsQueryDto } from './admin/dto/usage.query.dto.js';
export { AuditEventsQueryDto } from './admin/dto/audit-events.query.dto.js';
export { PutSecretDto } from './admin/dto/put-secret.dto.js';
export * from './migrations/index.js'; // every migration class, by name

export { ApiKeySecretsService } from './secrets/api-key-secrets.service.js';
export { ApiKeySecretEntity } from './secrets/api-key-secret.entity.js';
export { MAX_SECRET_VALUE_BYTES } from './secrets/secret-input.js';
export type * from './interfaces/secrets.interface.js';
