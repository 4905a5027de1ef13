import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretUnreadableError } from '../api-keys.errors.js';
import type { SecretsKeyring } from './secrets-keyring.js';

const ALGORITHM = 'aes-256-gcm';
/** 96-bit IVs: GCM's native size (no GHASH-derived counter), fresh from the CSPRNG per write. */
export const IV_BYTES = 12;
/** The full 128-bit tag, required on decrypt: a shorter (truncated) tag is refused. */
export const TAG_BYTES = 16;
/** Domain and format version of the additional authenticated data. */
export const SECRET_AAD_LABEL = 'nest-api-keys:secret:v1';

/** A secret as stored: the key id and the base64 of the IV, the ciphertext and the tag. @internal */
export interface SealedSecret {
  keyId: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

/**
 * The additional authenticated data of a secret: each part — the label, the owner id, the name —
 * as its UTF-8 bytes preceded by their length (4 bytes, big-endian). The encoding is injective,
 * so no two (owner, name) pairs share an AAD ('a:b' + 'c' and 'a' + 'b:c' differ), and a row
 * copied to another owner or name fails authentication.
 * @internal
 */
export function secretAad(ownerId: string, name: string): Buffer {
  const parts = [SECRET_AAD_LABEL, ownerId, name].map((part) => Buffer.from(part, 'utf8'));
  const out = Buffer.alloc(parts.reduce((size, part) => size + 4 + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    offset = out.writeUInt32BE(part.length, offset);
    offset += part.copy(out, offset);
  }
  return out;
}

/** Strict base64 of exactly `bytes` bytes (any length when undefined), or null. */
function decodeBase64(value: unknown, bytes?: number): Buffer | null {
  if (typeof value !== 'string') return null;
  const decoded = Buffer.from(value, 'base64');
  // Buffer.from skips characters outside the alphabet: only the canonical encoding is accepted.
  if (decoded.toString('base64') !== value) return null;
  return bytes === undefined || decoded.length === bytes ? decoded : null;
}

/**
 * AES-256-GCM for the secrets vault (SPEC §8): a fresh random 96-bit IV per write, the 128-bit
 * tag checked on every read, the AAD binding a value to its owner and name, and the key chosen
 * by the row's key id. Failures say which secret and why, never its value or a key.
 * @internal
 */
export class SecretCipher {
  constructor(private readonly keyring: SecretsKeyring) {}

  get activeKeyId(): string {
    return this.keyring.activeKeyId;
  }

  /** Encrypts `value` for (ownerId, name) with the active key. */
  seal(ownerId: string, name: string, value: string): SealedSecret {
    const keyId = this.keyring.activeKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keyring.keyFor(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(secretAad(ownerId, name));
    const plaintext = Buffer.from(value, 'utf8');
    try {
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return { keyId, iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * Decrypts a stored secret of (ownerId, name) with the key its row names. Throws
   * SecretUnreadableError when that key is not in the ring, or when anything stored — IV,
   * ciphertext, tag, key id, or the owner and name it was sealed for — was altered.
   */
  open(ownerId: string, name: string, sealed: SealedSecret): string {
    const key = this.keyring.keyFor(sealed.keyId);
    if (!key) throw new SecretUnreadableError('unknown-key', ownerId, name, sealed.keyId);
    const iv = decodeBase64(sealed.iv, IV_BYTES);
    const tag = decodeBase64(sealed.tag, TAG_BYTES);
    const ciphertext = decodeBase64(sealed.ciphertext);
    if (!iv || !tag || !ciphertext) throw new SecretUnreadableError('authentication-failed', ownerId, name, sealed.keyId);
    // GCM hands out plaintext before final() has checked the tag: it is wiped either way and
    // only returned once the tag matched.
    let plaintext: Buffer | undefined;
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(secretAad(ownerId, name));
      decipher.setAuthTag(tag);
      plaintext = decipher.update(ciphertext);
      const rest = decipher.final();
      return rest.length === 0 ? plaintext.toString('utf8') : Buffer.concat([plaintext, rest]).toString('utf8');
    } catch {
      // Node's own message says only "Unsupported state or unable to authenticate data".
      throw new SecretUnreadableError('authentication-failed', ownerId, name, sealed.keyId);
    } finally {
      plaintext?.fill(0);
    }
  }
}
