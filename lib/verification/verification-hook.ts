import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { VerifyOptions, VerifyResult } from '../interfaces/verify-result.interface.js';

/**
 * One finished verification, as the verification hooks see it: from the guard, the service
 * or `POST /verify`, whatever its outcome (a verify that threw STORE_UNAVAILABLE has none).
 * @internal
 */
export interface VerificationRecord {
  /** Epoch ms from the library clock. */
  at: number;
  result: VerifyResult;
  /** The stored row the presented key matched; absent for MALFORMED and NOT_FOUND. */
  key?: ApiKeyEntity;
  /**
   * The row whose limits and credits applied (the newest successor of a rotated key, the
   * parent of a child key); absent when the verification stopped before it was known.
   */
  effective?: ApiKeyEntity;
  /** Credits this call took (0 unless a VALID call spent some). */
  spent: number;
  options: VerifyOptions;
}

/**
 * A step after every verification (DESIGN: features plug in): failure events, usage counting,
 * credit thresholds. It runs on the hot path, synchronously: it must be cheap (count in
 * memory, flush elsewhere) and must not throw (a throw is logged and ignored). Register one in
 * a feature's `verificationHooks`.
 * @internal
 */
export interface ApiKeyVerificationHook {
  afterVerify(record: VerificationRecord): void;
}
