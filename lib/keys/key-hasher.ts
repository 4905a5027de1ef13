import { createHmac, hash } from 'node:crypto';
import type { PepperOption } from '../interfaces/api-keys-options.interface.js';

/** `hashVersion` of an unpeppered SHA-256 hash. */
export const SHA256_HASH_VERSION = 'sha256';
const SINGLE_PEPPER_ID = 'p1';

export interface HashCandidate {
  version: string;
  hash: string;
}

/**
 * How keys are stored at rest (SPEC §4): SHA-256, or HMAC-SHA-256 with a pepper whose id is
 * the row's `hashVersion`. Verify looks a key up by every configured version's hash so that
 * peppers can rotate, and re-hashes older rows to `currentVersion` on success.
 * @internal
 */
export class KeyHasher {
  readonly currentVersion: string;
  private readonly peppers: Map<string, string>;

  constructor(pepper?: PepperOption) {
    this.peppers = new Map();
    if (pepper === undefined) {
      this.currentVersion = SHA256_HASH_VERSION;
      return;
    }
    if (typeof pepper === 'string') {
      this.peppers.set(SINGLE_PEPPER_ID, requireSecret(SINGLE_PEPPER_ID, pepper));
      this.currentVersion = SINGLE_PEPPER_ID;
      return;
    }
    for (const [id, secret] of Object.entries(pepper.secrets ?? {})) {
      if (id === SHA256_HASH_VERSION) throw new Error(`nest-api-keys: pepper id '${id}' is reserved.`);
      if (!/^[A-Za-z0-9_.-]{1,32}$/.test(id)) {
        throw new Error(`nest-api-keys: pepper id '${id}' must be 1–32 letters, digits, _ . - (it is stored as hash_version).`);
      }
      this.peppers.set(id, requireSecret(id, secret));
    }
    if (!this.peppers.has(pepper.current)) {
      throw new Error(`nest-api-keys: pepper.current '${pepper.current}' is not in pepper.secrets.`);
    }
    this.currentVersion = pepper.current;
  }

  /** Every hash version this hasher can compute: `sha256` and each configured pepper id. */
  get knownVersions(): string[] {
    return [SHA256_HASH_VERSION, ...this.peppers.keys()];
  }

  /** The hash to store for a new key. */
  hash(raw: string): HashCandidate {
    return { version: this.currentVersion, hash: this.hashWith(this.currentVersion, raw) };
  }

  /**
   * One candidate per known version, current first; SHA-256 always (imported hashes).
   * `sha256`: the key's SHA-256 (hex) when the caller has already made it (the guard, for
   * brute-force counting), so a request hashes its key once.
   */
  candidates(raw: string, sha256?: string): HashCandidate[] {
    const plain = () => sha256 ?? sha256Hex(raw);
    const hashOf = (version: string) => (version === SHA256_HASH_VERSION ? plain() : this.hashWith(version, raw));
    const out: HashCandidate[] = [{ version: this.currentVersion, hash: hashOf(this.currentVersion) }];
    for (const id of this.peppers.keys()) {
      if (id !== this.currentVersion) out.push({ version: id, hash: this.hashWith(id, raw) });
    }
    if (this.currentVersion !== SHA256_HASH_VERSION) {
      out.push({ version: SHA256_HASH_VERSION, hash: plain() });
    }
    return out;
  }

  private hashWith(version: string, raw: string): string {
    if (version === SHA256_HASH_VERSION) return sha256Hex(raw);
    const secret = this.peppers.get(version);
    if (secret === undefined) throw new Error(`nest-api-keys: unknown hash version '${version}'.`);
    return createHmac('sha256', secret).update(raw).digest('hex');
  }
}

export function sha256Hex(value: string): string {
  // The one-shot form: no Hash object per call (about half the cost of createHash on Node 20).
  return hash('sha256', value, 'hex');
}

function requireSecret(id: string, secret: string): string {
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new Error(`nest-api-keys: pepper '${id}' must be a string of at least 16 characters.`);
  }
  return secret;
}
