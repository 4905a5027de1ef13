import type { Type } from '@nestjs/common';
import type { ApiKeyStatus } from '../interfaces/api-key.interface.js';
import type { UsageBucket, UsageSeries, UsageStats, VerificationLogEntry, VerificationLogPage } from '../interfaces/usage.interface.js';
import { VERIFY_CODES } from '../interfaces/verify-code.interface.js';
import { defineModel, pageOf } from '../openapi/response.models.js';

// Response models of the usage routes for the OpenAPI document (inert classes without swagger).

const dateTime = { type: 'string', format: 'date-time' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const byCode = {
  type: 'object',
  description: `Verifications per outcome code (${VERIFY_CODES.join(', ')}); codes that did not occur are absent.`,
} as const;

/** @internal */
export const UsageBucketModel = defineModel<UsageBucket>('UsageBucket', {
  at: { ...dateTime, description: "The bucket's start (UTC)." },
  total: { ...count, description: 'Verifications of the keys in this bucket, whatever their outcome.' },
  valid: { ...count, description: 'Of which VALID.' },
  byCode,
  spent: { ...count, description: 'Credits spent in this bucket.' },
});

/** @internal */
export const UsageSeriesModel = defineModel<UsageSeries>('UsageSeries', {
  granularity: { type: 'string', enum: ['hour', 'day'] },
  buckets: { model: UsageBucketModel, isArray: true, description: 'Every bucket of the period, oldest first; empty ones hold zeros.' },
});

/** @internal */
export const VerificationLogEntryModel = defineModel<VerificationLogEntry>('VerificationLogEntry', {
  at: dateTime,
  code: { type: 'string', enum: [...VERIFY_CODES] },
  cost: { ...count, description: 'Credits this verification spent.' },
  ip: { type: 'string', optional: true, description: 'The client address, when the verification had one.' },
  tags: { type: 'array', items: { type: 'string' }, optional: true },
});

/** @internal */
export const VerificationLogPageModel = pageOf(VerificationLogEntryModel, 'VerificationLogPage') as Type<VerificationLogPage>;

/** @internal */
export const KeyStatusCountsModel = defineModel<Record<ApiKeyStatus, number>>('KeyStatusCounts', {
  active: count,
  revoked: count,
  disabled: count,
  expired: count,
  rotated: count,
  idle: count,
});

/** @internal */
export const KeyCountsModel = defineModel<UsageStats['keys']>('KeyCounts', {
  total: count,
  byStatus: { model: KeyStatusCountsModel },
});

/** @internal */
export const VerificationTotalsModel = defineModel<UsageStats['verifications']>('VerificationTotals', {
  since: { ...dateTime, description: 'Start of the period, on the hour.' },
  until: { ...dateTime, description: 'End of the period (exclusive), on the hour.' },
  total: count,
  valid: count,
  byCode: {
    ...byCode,
    description: `${byCode.description} For an administrator of every owner, NOT_FOUND and MALFORMED count unknown and malformed keys.`,
  },
  spent: { ...count, description: 'Credits spent in the period.' },
  successRate: { type: 'number', minimum: 0, maximum: 1, nullable: true, description: 'valid / total; null without verifications.' },
});

/** @internal */
export const UsageStatsModel = defineModel<UsageStats>('UsageStats', {
  keys: { model: KeyCountsModel, description: 'Stored keys by status now.' },
  verifications: { model: VerificationTotalsModel, description: 'Verifications of the period.' },
});
