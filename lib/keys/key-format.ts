import { randomBytes } from 'node:crypto';
import { MAX_KEY_LENGTH } from '../api-keys.constants.js';
import { BASE62_PATTERN, base62Encode, base62EncodeNumber } from './base62.js';
import { crc32 } from './crc32.js';

/** The rule for a key prefix (SPEC §3). */
export const KEY_PREFIX_PATTERN = /^[a-z][a-z0-9_]{0,15}$/;
const CHECKSUM_LENGTH = 6;

/** A key split into its parts, as stored for display. @internal */
export interface ParsedKey {
  raw: string;
  /** Prefix plus the first 4 body characters. */
  start: string;
  last4: string;
}

/**
 * The key format `<prefix>_<body><checksum>` in one place: generation, the checksum and the
 * shape check that rejects a malformed key before any database work.
 * @internal
 */
export class KeyFormat {
  private readonly minBodyLength: number;
  private readonly maxBodyLength: number;
  private readonly legacyPattern?: RegExp;

  constructor(
    readonly prefix: string,
    readonly keyBytes: number,
    legacyPattern?: RegExp,
  ) {
    if (!KEY_PREFIX_PATTERN.test(prefix)) {
      throw new Error(`nest-api-keys: keyPrefix '${prefix}' must match ${KEY_PREFIX_PATTERN}.`);
    }
    // A `g` or `y` flag makes RegExp#test stateful (lastIndex): the same key would match, then not.
    this.legacyPattern = legacyPattern && new RegExp(legacyPattern.source, legacyPattern.flags.replace(/[gy]/g, ''));
    // base62 of n bytes is at most ceil(n*8/log2(62)) chars; leading zero bytes make it shorter.
    this.maxBodyLength = Math.ceil((keyBytes * 8) / Math.log2(62));
    this.minBodyLength = Math.max(1, this.maxBodyLength - 4);
  }

  /** A new random key; its body always has the full length (leading zeros kept as '0'). */
  generate(): string {
    const body = base62Encode(randomBytes(this.keyBytes)).padStart(this.maxBodyLength, '0');
    const head = `${this.prefix}_${body}`;
    return head + checksumOf(head);
  }

  /**
   * The key's display parts if it is well-formed (or matches the legacy pattern), else null.
   * Pure string work: no database, no hashing.
   */
  parse(raw: unknown): ParsedKey | null {
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_KEY_LENGTH) return null;
    if (this.isWellFormed(raw)) return display(raw, this.prefix.length + 1);
    if (this.matchesLegacy(raw)) return display(raw, 0);
    return null;
  }

  /** Whether `raw` carries this format's prefix (a Bearer value without it is not our key). */
  hasPrefix(raw: string): boolean {
    return raw.startsWith(`${this.prefix}_`) || this.matchesLegacy(raw);
  }

  /**
   * The host's legacy pattern only ever sees printable values of at most MAX_KEY_LENGTH
   * characters (SPEC §7), so a slow pattern cannot be fed an unbounded input.
   */
  private matchesLegacy(raw: string): boolean {
    if (!this.legacyPattern || raw.length > MAX_KEY_LENGTH || !isPrintableAscii(raw)) return false;
    return this.legacyPattern.test(raw);
  }

  private isWellFormed(raw: string): boolean {
    const head = `${this.prefix}_`;
    if (!raw.startsWith(head)) return false;
    const rest = raw.slice(head.length);
    const bodyLength = rest.length - CHECKSUM_LENGTH;
    if (bodyLength < this.minBodyLength || bodyLength > this.maxBodyLength) return false;
    if (!BASE62_PATTERN.test(rest)) return false;
    const signed = raw.slice(0, raw.length - CHECKSUM_LENGTH);
    return raw.slice(-CHECKSUM_LENGTH) === checksumOf(signed);
  }
}

/** 6 base62 characters of CRC32 over `prefix_body`. @internal */
export function checksumOf(prefixAndBody: string): string {
  return base62EncodeNumber(crc32(prefixAndBody), CHECKSUM_LENGTH);
}

function display(raw: string, bodyOffset: number): ParsedKey {
  return { raw, start: raw.slice(0, bodyOffset + 4), last4: raw.slice(-4) };
}

function isPrintableAscii(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}
