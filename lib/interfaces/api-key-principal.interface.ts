/**
 * The verified caller, attached to the request by `ApiKeyGuard` and handed to handlers by
 * `@CurrentApiKey()`. Never carries the raw key or its hash.
 */
export interface ApiKeyPrincipal {
  id: string;
  lineageId: string;
  ownerId: string;
  namespace: string;
  environment: string | null;
  name: string | null;
  /** Effective permissions: direct grants ∪ the permissions of the key's roles. */
  permissions: string[];
  roles: string[];
  meta: Record<string, unknown>;
  expiresAt: Date | null;
}
