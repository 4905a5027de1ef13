import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import { satisfiesRequirement } from '../rbac/permission-matcher.js';
import type { VerifyOptions } from '../interfaces/verify-result.interface.js';
import { isIdle } from '../keys/api-key.view.js';
import { ipAllowed } from './ip-allow-list.js';
import type { VerifyCode } from '../interfaces/verify-code.interface.js';

/**
 * What the checks look at: the presented key and, when it was rotated, its successors. The
 * last entry of `lineage` is the effective row whose IPs, permissions and limits apply.
 * @internal
 */
export interface VerifySubject {
  /** The presented key first, then each successor it was rotated to. */
  lineage: ApiKeyEntity[];
  /** Effective permissions of the effective row (direct ∪ roles'). */
  permissions: string[];
  roles: string[];
  now: number;
  /** Latest use of a row that this instance has seen but not yet written. */
  pendingLastUsedAt(keyId: string): number | undefined;
}

/** One step of the chain: the code it answers when `fails` is true. @internal */
export interface VerifyCheck {
  code: VerifyCode;
  fails(subject: VerifySubject, options: VerifyOptions): boolean;
}

const effective = (s: VerifySubject) => s.lineage[s.lineage.length - 1];

/**
 * The stored-key checks in SPEC §6 order (MALFORMED and NOT_FOUND come before a row exists;
 * rate limits and credits are counted after these pass). This array is the one place the
 * order lives.
 * @internal
 */
export const KEY_CHECKS: readonly VerifyCheck[] = [
  {
    code: 'IP_NOT_ALLOWED',
    fails: (s, o) => !ipAllowed(effective(s).allowedIps ?? [], o.ip),
  },
  {
    code: 'REVOKED',
    fails: (s) => s.lineage.some((k) => k.revokedAt !== null),
  },
  {
    code: 'DISABLED',
    fails: (s) => s.lineage.some((k) => !k.enabled),
  },
  {
    code: 'EXPIRED',
    fails: (s) => s.lineage.some((k) => k.expiresAt !== null && s.now >= k.expiresAt),
  },
  {
    // Every rotated row in the lineage must still be inside its grace.
    code: 'ROTATION_GRACE_EXPIRED',
    fails: (s) => s.lineage.some((k) => k.rotationGraceEndsAt !== null && s.now >= k.rotationGraceEndsAt),
  },
  {
    code: 'IDLE_TIMEOUT',
    fails: (s) => isIdle(effective(s), s.now, s.pendingLastUsedAt(effective(s).id)),
  },
  {
    code: 'INSUFFICIENT_PERMISSIONS',
    fails: (s, o) => !satisfiesRequirement(s.permissions, o.permissions) || !(o.roles ?? []).every((role) => s.roles.includes(role)),
  },
];

/** The first failing check's code, or null when every stored-key check passes. @internal */
export function runKeyChecks(subject: VerifySubject, options: VerifyOptions): VerifyCode | null {
  for (const check of KEY_CHECKS) {
    if (check.fails(subject, options)) return check.code;
  }
  return null;
}
