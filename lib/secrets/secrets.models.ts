import type { Type } from '@nestjs/common';
import type { SecretMetadata } from '../interfaces/secrets.interface.js';
import { defineModel } from '../openapi/response.models.js';

const dateTime = { type: 'string', format: 'date-time' } as const;
const metadataProperties = {
  name: { type: 'string', description: 'The secret name (letters, digits, _ . : -).' },
  ownerId: { type: 'string' },
  keyId: { type: 'string', description: 'The keyring key the stored value is encrypted with.' },
  createdAt: dateTime,
  updatedAt: dateTime,
} as const;

/** A secret without its value: what PUT answers and listings hold. @internal */
export const SecretMetadataModel = defineModel<SecretMetadata>('SecretMetadata', metadataProperties);

/** A secret's GET: its metadata, and its value only with `adminPolicy.revealSecrets`. @internal */
export const SecretModel = defineModel<SecretMetadata & { value?: string }>('Secret', {
  ...metadataProperties,
  value: { type: 'string', optional: true, description: 'The decrypted value: present only with adminPolicy.revealSecrets.' },
});

/** The secrets of an owner by name. @internal */
export const SecretListModel = defineModel<{ items: SecretMetadata[] }>('SecretList', {
  items: { model: SecretMetadataModel, isArray: true },
}) as Type<{ items: SecretMetadata[] }>;
