import { createHash, createHmac } from 'node:crypto';
import { KeyHasher, SHA256_HASH_VERSION, sha256Hex } from './key-hasher.js';

const RAW = 'sk_live_4f9QmZx2Lk8Pq7Rt1Vw3Yz5Ab6Cd8Ef0Gh2Ij4Kl6Mn8Op0Qr2St4';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const hmac = (secret: string, value: string) => createHmac('sha256', secret).update(value).digest('hex');

const SECRET_A = 'pepper-a-0123456789abcdef';
const SECRET_B = 'pepper-b-0123456789abcdef';
const SECRET_C = 'pepper-c-0123456789abcdef';

describe('KeyHasher', () => {
  it('defaults to hex SHA-256 with version sha256, and only that candidate', () => {
    const hasher = new KeyHasher();
    expect(SHA256_HASH_VERSION).toBe('sha256');
    expect(hasher.currentVersion).toBe('sha256');
    expect(hasher.hash(RAW)).toEqual({ version: 'sha256', hash: sha256(RAW) });
    expect(hasher.hash(RAW).hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hasher.candidates(RAW)).toEqual([{ version: 'sha256', hash: sha256(RAW) }]);
    expect(sha256Hex(RAW)).toBe(sha256(RAW));
  });

  it('hashes deterministically and differently for different keys', () => {
    const hasher = new KeyHasher();
    expect(hasher.hash(RAW)).toEqual(hasher.hash(RAW));
    expect(hasher.hash(`${RAW}x`).hash).not.toBe(hasher.hash(RAW).hash);
  });

  it('a string pepper is version p1: HMAC-SHA-256, not plain SHA-256', () => {
    const hasher = new KeyHasher(SECRET_A);
    expect(hasher.currentVersion).toBe('p1');
    const stored = hasher.hash(RAW);
    expect(stored).toEqual({ version: 'p1', hash: hmac(SECRET_A, RAW) });
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.hash).not.toBe(sha256(RAW));
    // Another pepper gives another hash: a leaked table is useless without the pepper.
    expect(new KeyHasher(SECRET_B).hash(RAW).hash).not.toBe(stored.hash);
    // The p1 candidate first, then sha256 for imported hashes.
    expect(hasher.candidates(RAW)).toEqual([
      { version: 'p1', hash: hmac(SECRET_A, RAW) },
      { version: 'sha256', hash: sha256(RAW) },
    ]);
  });

  it('a ring hashes with current and offers current, then older peppers, then sha256', () => {
    const hasher = new KeyHasher({ current: 'p2', secrets: { p1: SECRET_A, p2: SECRET_B, p3: SECRET_C } });
    expect(hasher.currentVersion).toBe('p2');
    expect(hasher.hash(RAW)).toEqual({ version: 'p2', hash: hmac(SECRET_B, RAW) });
    expect(hasher.candidates(RAW)).toEqual([
      { version: 'p2', hash: hmac(SECRET_B, RAW) },
      { version: 'p1', hash: hmac(SECRET_A, RAW) },
      { version: 'p3', hash: hmac(SECRET_C, RAW) },
      { version: 'sha256', hash: sha256(RAW) },
    ]);
    const hashes = hasher.candidates(RAW).map((c) => c.hash);
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('a ring with one pepper under any id behaves like that id', () => {
    const hasher = new KeyHasher({ current: '2025-q1', secrets: { '2025-q1': SECRET_A } });
    expect(hasher.candidates(RAW)).toEqual([
      { version: '2025-q1', hash: hmac(SECRET_A, RAW) },
      { version: 'sha256', hash: sha256(RAW) },
    ]);
  });

  it('an old row hashed under a previous pepper is found by a later ring', () => {
    const before = new KeyHasher({ current: 'p1', secrets: { p1: SECRET_A } }).hash(RAW);
    const after = new KeyHasher({ current: 'p2', secrets: { p1: SECRET_A, p2: SECRET_B } });
    expect(after.candidates(RAW)).toContainEqual(before);
    expect(after.hash(RAW)).not.toEqual(before);
  });

  describe('rejects unusable configuration at construction', () => {
    it('a string pepper shorter than 16 characters', () => {
      expect(() => new KeyHasher('short-pepper-15')).toThrow(/at least 16/);
      expect(() => new KeyHasher('')).toThrow(/at least 16/);
      expect(() => new KeyHasher('exactly-16-chars')).not.toThrow();
    });

    it('a short or non-string secret in a ring', () => {
      expect(() => new KeyHasher({ current: 'p2', secrets: { p1: 'too-short', p2: SECRET_B } })).toThrow(/'p1'.*at least 16/);
      expect(() => new KeyHasher({ current: 'p1', secrets: { p1: 12345678901234 as unknown as string } })).toThrow(/at least 16/);
    });

    it('current not among the secrets', () => {
      expect(() => new KeyHasher({ current: 'p3', secrets: { p1: SECRET_A, p2: SECRET_B } })).toThrow(/'p3' is not in pepper.secrets/);
      expect(() => new KeyHasher({ current: 'p1', secrets: {} })).toThrow(/not in pepper.secrets/);
    });

    it("the reserved id 'sha256'", () => {
      expect(() => new KeyHasher({ current: 'sha256', secrets: { sha256: SECRET_A } })).toThrow(/'sha256' is reserved/);
      expect(() => new KeyHasher({ current: 'p1', secrets: { p1: SECRET_A, sha256: SECRET_B } })).toThrow(/reserved/);
      expect(() => new KeyHasher({ current: 'sha256', secrets: { p1: SECRET_A } })).toThrow();
    });
  });
});
