import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import { satisfiesRequirement } from '../rbac/permission-matcher.js';
import type { VerifyOptions } from '../interfaces/verify-result.interface.js';
import { isIdle } from '../keys/api-key.view.js';
import { ipAllowed } from './ip-allow-list.js';
import type { VerifyCode } from '../interfaces/verify-code.interface.js';

/**
 * What the checks look at: the presented key and, when it was rotated, its successors; for a
 * child key, also its parent. The last entry of `lineage` is the effective row whose IPs and
 * grants apply; a child's parent gates it too (SPEC §6: a child fails whenever its parent would).
 * @internal
 */
export interface VerifySubject {
  /** The presented key first, then each successor it was rotated to. */
  lineage: ApiKeyEntity[];
  /** The parent of a child key (the effective row's `parentKeyId`); null or absent otherwise. */
  parent?: ApiKeyEntity | null;
  /**
   * Effective permissions of the effective row (direct ∪ roles'); for a child, only those its
   * parent's effective set covers too.
   */
  permissions: string[];
  /** Roles of the effective row; for a child, only those its parent holds too. */
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

/** Every row whose own state must be live: the lineage and, for a child, its parent. */
const gates = (s: VerifySubject) => (s.parent ? [...s.lineage, s.parent] : s.lineage);

/**
 * The stored-key checks in SPEC §6 order (MALFORMED and NOT_FOUND come before a row exists;
 * rate limits and credits are counted after these pass). This array is the one place the
 * order lives. A child answers its parent's failure with the parent's code; a rotated parent
 * ends its children at once (ROTATION_GRACE_EXPIRED, with no grace of their own).
 * @internal
 */
export const KEY_CHECKS: readonly VerifyCheck[] = [
  {
    code: 'IP_NOT_ALLOWED',
    fails: (s, o) => !ipAllowed(effective(s).allowedIps ?? [], o.ip) || (!!s.parent && !ipAllowed(s.parent.allowedIps ?? [], o.ip)),
  },
  {
    code: 'REVOKED',
    fails: (s) => gates(s).some((k) => k.revokedAt !== null),
  },
  {
    code: 'DISABLED',
    fails: (s) => gates(s).some((k) => !k.enabled),
  },
  {
    code: 'EXPIRED',
    fails: (s) => gates(s).some((k) => k.expiresAt !== null && s.now >= k.expiresAt),
  },
  {
    // Every rotated row in the lineage must still be inside its grace; a child's parent must not be rotated at all.
    code: 'ROTATION_GRACE_EXPIRED',
    fails: (s) =>
      s.lineage.some((k) => k.rotationGraceEndsAt !== null && s.now >= k.rotationGraceEndsAt) ||
      (!!s.parent && s.parent.rotationGraceEndsAt !== null),
  },
  {
    // A child's uses are its own: they do not keep an idle parent alive.
    code: 'IDLE_TIMEOUT',
    fails: (s) =>
      isIdle(effective(s), s.now, s.pendingLastUsedAt(effective(s).id)) ||
      (!!s.parent && isIdle(s.parent, s.now, s.pendingLastUsedAt(s.parent.id))),
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
