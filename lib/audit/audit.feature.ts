import type { DataSource } from 'typeorm';
import type { ApiKeysFeature } from '../api-keys.feature.js';
import { API_KEYS_DATA_SOURCE } from '../api-keys.internal-constants.js';
import { ApiKeysAudit1764100000000 } from '../migrations/1764100000000-api-keys-audit.js';
import { ApiKeyAuditEventEntity } from './api-key-audit-event.entity.js';
import { ApiKeyAuditService } from './api-key-audit.service.js';
import { AuditAdminController } from './audit-admin.controller.js';
import { AuditWriterHook } from './audit-writer.hook.js';
import { AuditStore } from './audit.store.js';

/** The audit trail: one row per change in the change's transaction, ApiKeyAuditService and GET /audit-events (SPEC §8, §9). @internal */
export const auditFeature: ApiKeysFeature = {
  name: 'audit',
  providers: [
    { provide: AuditStore, useFactory: (dataSource: DataSource) => new AuditStore(dataSource), inject: [API_KEYS_DATA_SOURCE] },
    AuditWriterHook,
    ApiKeyAuditService,
  ],
  exports: [ApiKeyAuditService],
  entities: [ApiKeyAuditEventEntity],
  migrations: [ApiKeysAudit1764100000000],
  adminControllers: [AuditAdminController],
  changeHooks: [AuditWriterHook],
};
