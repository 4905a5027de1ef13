import type { ApiKeyPrincipal } from './api-key-principal.interface.js';
import type { VerifyCode } from './verify-code.interface.js';

/** Options of `ApiKeyService.verify`. */
export interface VerifyOptions {
  /** Permissions the call needs: a list means all of them, `{ anyOf }` means at least one. */
  permissions?: string[] | { anyOf: string[] };
  /** Roles the call needs (all of them). */
  roles?: string[];
  /** Credits this call consumes (integer ≥ 0, default 1). */
  cost?: number;
  /** Client IP, checked against the key's `allowedIps`. */
  ip?: string;
  /**
   * Labels stored with this verification in the log and filterable there (at most 10, each
   * 1–128 characters without control characters or edge whitespace; else a validation error).
   */
  tags?: string[];
  /** Only keys of this owner count; another owner's key answers NOT_FOUND whatever its state. */
  ownerId?: string;
  /** Consume nothing: no credits, no rate-limit counts, no `lastUsedAt`. */
  dryRun?: boolean;
}

export interface RateLimitState {
  name: string;
  limit: number;
  remaining: number;
  /** Epoch ms. */
  resetAt: number;
}

/** What `ApiKeyService.verify` answers. `key` is present whenever the key was found and valid. */
export interface VerifyResult {
  valid: boolean;
  code: VerifyCode;
  message: string;
  key?: ApiKeyPrincipal;
  remaining?: number;
  rateLimit?: RateLimitState;
  wouldRateLimit?: string;
  retryAfterMs?: number;
}
