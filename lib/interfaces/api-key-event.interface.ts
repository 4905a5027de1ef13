/** Events the library emits (through `onEvent` and `ApiKeyService.events$`). Never carry raw keys. */
export type ApiKeyEventType =
  | 'key.created'
  | 'key.updated'
  | 'key.rotated'
  | 'key.revoked'
  /** A stored key failed a check (debounced per key and code; `details.code`). */
  | 'key.verification_failed'
  /** A key hit a rate limit (debounced per key; `details.limit`). */
  | 'ratelimit.exceeded'
  /**
   * A spend crossed 80, 90 or 100 % used of the key's credits (`details`: `threshold`,
   * `remaining`, `total`, and `periodStart` for a key with a refill); once each per period.
   */
  | 'credits.threshold';

export interface ApiKeyEvent {
  type: ApiKeyEventType;
  keyId: string;
  ownerId: string;
  actorId: string;
  /** Epoch ms from the library clock. */
  at: number;
  details?: Record<string, unknown>;
}
