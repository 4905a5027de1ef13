import type { KeyFormat } from '../keys/key-format.js';

/** Names a details object must never carry: a key, a hash or a secret in clear. */
const FORBIDDEN_NAMES = new Set(['key', 'rawkey', 'hash', 'secret', 'value', 'plaintext', 'ciphertext', 'pepper']);
const MAX_DEPTH = 16;

/**
 * Why a change's details may not be written to the audit trail, or null. A defence in depth:
 * every mutation records ids, names and counts, and this refuses (rolling the change back)
 * should one ever pass a raw key (a string that passes the key format's checksum) or a field
 * named like a key, hash or secret along. Hex strings are not refused: owner ids may be digests.
 * @internal
 */
export function unsafeDetail(details: unknown, format: KeyFormat, depth = 0): string | null {
  if (depth > MAX_DEPTH) return 'details are nested too deeply';
  if (typeof details === 'string') {
    if (format.parse(details)) return 'details hold what looks like a raw key';
    return null;
  }
  if (Array.isArray(details)) {
    for (const item of details) {
      const problem = unsafeDetail(item, format, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if (details && typeof details === 'object') {
    for (const [name, item] of Object.entries(details)) {
      if (FORBIDDEN_NAMES.has(name.toLowerCase())) return `details may not carry '${name}'`;
      const problem = unsafeDetail(item, format, depth + 1);
      if (problem) return problem;
    }
  }
  return null;
}
