import type { VerificationLogOptions } from '../interfaces/usage.interface.js';

/** The `verificationLog` option with its defaults filled in. @internal */
export interface ResolvedVerificationLogOptions {
  enabled: boolean;
  flushIntervalMs: number;
  maxBuffer: number;
  retentionDays: number;
}

/** Defaults of `verificationLog` (SPEC §2). @internal */
export const VERIFICATION_LOG_DEFAULTS: ResolvedVerificationLogOptions = {
  enabled: true,
  flushIntervalMs: 1000,
  maxBuffer: 10_000,
  retentionDays: 90,
};

/** Bounds of each numeric field: [least, most]. */
const BOUNDS: Record<Exclude<keyof ResolvedVerificationLogOptions, 'enabled'>, [number, number, string]> = {
  // Below 10 ms the flush timer would keep the event loop busy; above an hour a crash loses hours.
  flushIntervalMs: [10, 3_600_000, 'ms'],
  maxBuffer: [1, 1_000_000, 'entries'],
  retentionDays: [1, 3650, 'days'],
};

/**
 * Checks the `verificationLog` option once at boot (called from resolveOptions) and fills in the
 * defaults. A wrong value fails the boot with a message naming the field and its bounds.
 * @internal
 */
export function resolveVerificationLogOptions(value: unknown): ResolvedVerificationLogOptions {
  if (value === undefined) return { ...VERIFICATION_LOG_DEFAULTS };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('nest-api-keys: verificationLog must be an object { enabled?, flushIntervalMs?, maxBuffer?, retentionDays? }.');
  }
  const given = value as VerificationLogOptions & Record<string, unknown>;
  const unknown = Object.keys(given).filter((name) => !(name in VERIFICATION_LOG_DEFAULTS));
  if (unknown.length > 0) {
    throw new Error(
      `nest-api-keys: verificationLog has unknown field(s) ${unknown.join(', ')}; it takes enabled, flushIntervalMs, maxBuffer, retentionDays.`,
    );
  }
  if (given.enabled !== undefined && typeof given.enabled !== 'boolean') {
    throw new Error('nest-api-keys: verificationLog.enabled must be true or false.');
  }
  const resolved: ResolvedVerificationLogOptions = { ...VERIFICATION_LOG_DEFAULTS, enabled: given.enabled ?? true };
  for (const [field, [least, most, unit]] of Object.entries(BOUNDS) as Array<[keyof typeof BOUNDS, [number, number, string]]>) {
    const fieldValue: unknown = given[field];
    if (fieldValue === undefined) continue;
    if (!Number.isSafeInteger(fieldValue) || (fieldValue as number) < least || (fieldValue as number) > most) {
      throw new Error(
        `nest-api-keys: verificationLog.${field} must be an integer from ${least} to ${most} (${unit}); got ${String(fieldValue)}.`,
      );
    }
    resolved[field] = fieldValue as number;
  }
  return resolved;
}
