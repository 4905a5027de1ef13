/** Events the library emits (through `onEvent` and `ApiKeyService.events$`). Never carry raw keys. */
export type ApiKeyEventType = 'key.created' | 'key.updated' | 'key.rotated' | 'key.revoked';

export interface ApiKeyEvent {
  type: ApiKeyEventType;
  keyId: string;
  ownerId: string;
  actorId: string;
  /** Epoch ms from the library clock. */
  at: number;
  details?: Record<string, unknown>;
}
