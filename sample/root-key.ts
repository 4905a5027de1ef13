import { ADMIN_PERMISSION, type ApiKeyService } from '../lib/index.js';

export const ROOT_OWNER = 'ops';
export const ROOT_NAME = 'sample root key';

/**
 * Creates the sample's root key (holding `api_keys:admin`) unless one exists. Answers the raw
 * key on first start only: the database keeps nothing but its hash.
 */
export async function ensureRootKey(apiKeys: ApiKeyService): Promise<string | null> {
  const existing = await apiKeys.list({ ownerId: ROOT_OWNER, status: 'active', limit: 100 });
  if (existing.items.some((key) => key.name === ROOT_NAME)) return null;
  const { key } = await apiKeys.create({ ownerId: ROOT_OWNER, name: ROOT_NAME, permissions: [ADMIN_PERMISSION] });
  return key;
}
