import * as crypto from 'node:crypto';
import { MAX_KEY_LENGTH } from '../api-keys.constants.js';
import { base62Encode } from './base62.js';
import { crc32 } from './crc32.js';
import { KeyFormat, checksumOf } from './key-format.js';

// randomBytes is a pass-through mock (real randomness by default) so that tests can seed it.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, randomBytes: jest.fn(actual.randomBytes) };
});
const realRandomBytes = jest.requireActual<typeof import('node:crypto')>('node:crypto').randomBytes;
const randomBytesMock = jest.mocked(crypto.randomBytes);

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Every character a well-formed key can contain (base62 plus the prefix separator). */
const KEY_ALPHABET = `${BASE62}_`;

/** Deterministic PRNG (mulberry32) so that the mutation sweep is the same on every run. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Makes `crypto.randomBytes` deterministic while `run` executes, so `generate()` is replayable. */
function withSeededRandomBytes<T>(seed: number, run: () => T): T {
  const next = seededRandom(seed);
  randomBytesMock.mockImplementation(((size: number) => {
    const out = Buffer.alloc(size);
    for (let i = 0; i < size; i++) out[i] = Math.floor(next() * 256);
    return out;
  }) as typeof crypto.randomBytes);
  try {
    return run();
  } finally {
    randomBytesMock.mockImplementation(realRandomBytes);
  }
}

/** Body length bounds: base62 of n bytes (leading zero bytes may shorten it a little). */
const maxBody = (keyBytes: number) => Math.ceil((keyBytes * 8) / Math.log2(62));

function keyShape(prefix: string, keyBytes: number): RegExp {
  const escaped = prefix.replace(/_/g, '\\_');
  return new RegExp(`^${escaped}_[0-9A-Za-z]{${maxBody(keyBytes) - 4},${maxBody(keyBytes)}}[0-9A-Za-z]{6}$`);
}

/** A key with a valid checksum around an arbitrary body, to test the shape rules alone. */
function signed(prefix: string, body: string): string {
  const head = `${prefix}_${body}`;
  return head + checksumOf(head);
}

describe('KeyFormat', () => {
  describe.each([
    { prefix: 'sk', keyBytes: 32 },
    { prefix: 'sk', keyBytes: 16 },
    { prefix: 'sk_live', keyBytes: 32 },
    { prefix: 'sk_live', keyBytes: 16 },
  ])('prefix $prefix, keyBytes $keyBytes', ({ prefix, keyBytes }) => {
    const format = new KeyFormat(prefix, keyBytes);

    it('generates <prefix>_<base62 body><6-char CRC32 checksum> keys that parse', () => {
      const keys = Array.from({ length: 200 }, () => format.generate());
      expect(new Set(keys).size).toBe(keys.length);
      for (const key of keys) {
        expect(key).toMatch(keyShape(prefix, keyBytes));
        const head = key.slice(0, -6);
        const checksum = key.slice(-6);
        expect(checksum).toBe(checksumOf(head));
        // The checksum is CRC32 of `prefix_body`, base62, left-padded to 6 characters.
        expect(decodeBase62(checksum)).toBe(crc32(head));
        const body = head.slice(prefix.length + 1);
        expect(body).toMatch(/^[0-9A-Za-z]+$/);
        expect(format.parse(key)).toEqual({ raw: key, start: key.slice(0, prefix.length + 1 + 4), last4: key.slice(-4) });
        expect(format.hasPrefix(key)).toBe(true);
      }
    });

    it('draws the body from crypto.randomBytes(keyBytes)', () => {
      const bytes = Buffer.alloc(keyBytes, 0xa5);
      randomBytesMock.mockClear();
      randomBytesMock.mockImplementationOnce((() => bytes) as typeof crypto.randomBytes);
      const key = format.generate();
      expect(randomBytesMock).toHaveBeenCalledTimes(1);
      expect(randomBytesMock).toHaveBeenCalledWith(keyBytes);
      expect(key).toBe(signed(prefix, base62Encode(bytes)));
      // Back to real randomness afterwards.
      expect(format.generate()).not.toBe(format.generate());
    });

    it('accepts the shortest and longest body lengths it can generate, and nothing outside them', () => {
      const longest = maxBody(keyBytes);
      const shortest = longest - 4;
      expect(format.parse(signed(prefix, 'a'.repeat(longest)))).not.toBeNull();
      expect(format.parse(signed(prefix, 'a'.repeat(shortest)))).not.toBeNull();
      expect(format.parse(signed(prefix, 'a'.repeat(longest + 1)))).toBeNull();
      expect(format.parse(signed(prefix, 'a'.repeat(shortest - 1)))).toBeNull();
      expect(format.parse(signed(prefix, ''))).toBeNull();
    });
  });

  describe('single-character mutations never parse', () => {
    const KEYS = 1000;
    const EDITS_PER_KIND = 3;

    it.each([
      { prefix: 'sk', keyBytes: 32, seed: 0x5eed01 },
      { prefix: 'sk_live', keyBytes: 16, seed: 0x5eed02 },
    ])(
      '$prefix/$keyBytes: every position of 1,000 keys substituted, plus deletions, insertions, transpositions',
      ({ prefix, keyBytes, seed }) => {
        const format = new KeyFormat(prefix, keyBytes);
        const rand = seededRandom(seed ^ 0x9e3779b9);
        const pick = (n: number) => Math.floor(rand() * n);
        const keys = withSeededRandomBytes(seed, () => Array.from({ length: KEYS }, () => format.generate()));
        expect(new Set(keys).size).toBe(KEYS);

        const survivors: string[] = [];
        const noOps: string[] = [];
        const unparsedOriginals: number[] = [];
        const tried = { substitution: 0, deletion: 0, insertion: 0, transposition: 0 };
        let expectedSubstitutions = 0;
        const attempt = (kind: keyof typeof tried, index: number, position: number, mutated: string, original: string) => {
          if (mutated === original) noOps.push(`${kind} at ${position} of key #${index}`);
          tried[kind]++;
          if (format.parse(mutated) !== null) survivors.push(`${kind} at ${position} of key #${index}`);
        };

        keys.forEach((key, index) => {
          // The unmutated key must parse, or the sweep below would pass vacuously.
          if (format.parse(key) === null) unparsedOriginals.push(index);
          expectedSubstitutions += key.length;
          const checksumStart = key.length - 6;

          for (let i = 0; i < key.length; i++) {
            let replacement = KEY_ALPHABET[pick(KEY_ALPHABET.length)];
            while (replacement === key[i]) replacement = KEY_ALPHABET[pick(KEY_ALPHABET.length)];
            attempt('substitution', index, i, key.slice(0, i) + replacement + key.slice(i + 1), key);
          }

          // A few positions per kind: the body/checksum boundary, somewhere in the body, somewhere in the checksum.
          const bodyStart = prefix.length + 1;
          const positions = [checksumStart - 1, bodyStart + pick(checksumStart - 1 - bodyStart), checksumStart + pick(5)];
          expect(positions).toHaveLength(EDITS_PER_KIND);

          for (const i of positions) attempt('deletion', index, i, key.slice(0, i) + key.slice(i + 1), key);

          for (const i of positions) {
            const inserted = BASE62[pick(BASE62.length)];
            attempt('insertion', index, i, key.slice(0, i) + inserted + key.slice(i), key);
          }

          for (const start of positions) {
            // Nearest adjacent pair of distinct characters at or after `start` (wrapping inside the body+checksum).
            let i = start;
            while (key[i] === key[i + 1]) i = i + 1 < key.length - 1 ? i + 1 : bodyStart;
            attempt('transposition', index, i, key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2), key);
          }
        });

        expect(tried.substitution).toBe(expectedSubstitutions);
        // Every key is at least prefix + '_' + shortest body + checksum long.
        expect(tried.substitution).toBeGreaterThanOrEqual(KEYS * (prefix.length + 1 + maxBody(keyBytes) - 4 + 6));
        expect(tried.deletion).toBe(KEYS * EDITS_PER_KIND);
        expect(tried.insertion).toBe(KEYS * EDITS_PER_KIND);
        expect(tried.transposition).toBe(KEYS * EDITS_PER_KIND);
        expect(unparsedOriginals).toEqual([]);
        expect(noOps).toEqual([]);
        expect(survivors).toEqual([]);
      },
    );

    it('seeded generation is replayable (the sweep above is deterministic)', () => {
      const format = new KeyFormat('sk', 32);
      const first = withSeededRandomBytes(7, () => [format.generate(), format.generate()]);
      const again = withSeededRandomBytes(7, () => [format.generate(), format.generate()]);
      expect(again).toEqual(first);
      expect(first[0]).not.toBe(first[1]);
      expect(format.generate()).not.toBe(first[0]);
    });

    it('exhaustively: every other key-alphabet character at every position of 20 keys', () => {
      const format = new KeyFormat('sk', 32);
      const keys = withSeededRandomBytes(0x5eed03, () => Array.from({ length: 20 }, () => format.generate()));
      let tried = 0;
      let expected = 0;
      const survivors: string[] = [];
      for (const key of keys) {
        expect(format.parse(key)).not.toBeNull();
        expected += key.length * (KEY_ALPHABET.length - 1);
        for (let i = 0; i < key.length; i++) {
          for (const c of KEY_ALPHABET) {
            if (c === key[i]) continue;
            tried++;
            if (format.parse(key.slice(0, i) + c + key.slice(i + 1)) !== null) survivors.push(`${i}:${c}`);
          }
        }
      }
      expect(tried).toBe(expected);
      expect(tried).toBeGreaterThan(20 * 45 * 60);
      expect(survivors).toEqual([]);
    });
  });

  describe('malformed input is null', () => {
    const format = new KeyFormat('sk_live', 32);
    const good = withSeededRandomBytes(0x600d, () => format.generate());
    const body = good.slice('sk_live_'.length, -6);

    it('accepts the reference key', () => {
      expect(format.parse(good)).not.toBeNull();
    });

    it.each([
      ['another prefix', signed('sk_test', body)],
      ['a shorter prefix', signed('sk', body)],
      ['a longer prefix', signed('sk_live_x', body)],
      ['upper-case prefix', signed('SK_LIVE', body)],
      [
        'missing underscore',
        (() => {
          const head = `sk_live${body}`;
          return head + checksumOf(head);
        })(),
      ],
      ['double underscore', signed('sk_live_', body)],
      ['prefix only', 'sk_live_'],
      ['empty string', ''],
      ['body too short', signed('sk_live', body.slice(0, 10))],
      ['body too long', signed('sk_live', body + body.slice(0, 5))],
      ['no checksum', `sk_live_${body}`],
      ['non-base62 in body', signed('sk_live', `${body.slice(0, 20)}-${body.slice(21)}`)],
      ['underscore in body', signed('sk_live', `${body.slice(0, 20)}_${body.slice(21)}`)],
      ['plus/slash (base64)', signed('sk_live', `${body.slice(0, 20)}+/${body.slice(22)}`)],
      ['NUL inside', `${good.slice(0, 20)}\0${good.slice(21)}`],
      ['NUL appended', `${good}\0`],
      ['newline appended', `${good}\n`],
      ['tab inside', `${good.slice(0, 20)}\t${good.slice(21)}`],
      ['leading space', ` ${good}`],
      ['trailing space', `${good} `],
      ['é in body', signed('sk_live', `${body.slice(0, 20)}é${body.slice(21)}`)],
      ['emoji in body', signed('sk_live', `${body.slice(0, 20)}🔑${body.slice(22)}`)],
      ['full-width digit', signed('sk_live', `${body.slice(0, 20)}１${body.slice(21)}`)],
      ['over 512 characters', `${good}${'a'.repeat(MAX_KEY_LENGTH)}`],
    ])('%s', (_label, input) => {
      expect(input).not.toBe(good);
      expect(format.parse(input)).toBeNull();
    });

    it.each([
      ['undefined', undefined],
      ['null', null],
      ['a number', 42],
      ['an object', { key: good }],
      ['an array', [good]],
      ['a Buffer', Buffer.from(good)],
      ['a String object', new String(good)],
    ])('non-string input: %s', (_label, input) => {
      expect(format.parse(input)).toBeNull();
    });
  });

  describe('legacyKeyPattern', () => {
    const legacy = /^legacy-[0-9a-f]{32}$/;
    const format = new KeyFormat('sk', 32, legacy);
    const legacyKey = 'legacy-0123456789abcdef0123456789abcdef';

    it('parses a matching legacy key with start = its first 4 characters and last4', () => {
      expect(format.parse(legacyKey)).toEqual({ raw: legacyKey, start: 'lega', last4: 'cdef' });
      expect(format.hasPrefix(legacyKey)).toBe(true);
    });

    it('still parses keys of its own format, and rejects strings matching neither', () => {
      const key = format.generate();
      expect(format.parse(key)).toEqual({ raw: key, start: key.slice(0, 7), last4: key.slice(-4) });
      expect(format.parse('legacy-0123')).toBeNull();
      expect(format.parse(`${legacyKey}0`)).toBeNull();
      expect(new KeyFormat('sk', 32).parse(legacyKey)).toBeNull();
    });

    it('never accepts control characters, spaces or non-ASCII, even when the pattern would', () => {
      const permissive = new KeyFormat('sk', 32, /^legacy-/);
      expect(permissive.parse('legacy-abc')).toEqual({ raw: 'legacy-abc', start: 'lega', last4: '-abc' });
      for (const bad of [
        'legacy-a bc',
        'legacy-a\tbc',
        'legacy-abc\n',
        'legacy-abc\0',
        'legacy-abc\r',
        'legacy-\x7f',
        'legacy-é',
        'legacy-🔑',
      ]) {
        expect(permissive.parse(bad)).toBeNull();
      }
    });

    it.each([/^legacy-[0-9a-f]{32}$/g, /^legacy-[0-9a-f]{32}$/y, /^LEGACY-[0-9A-F]{32}$/gi])(
      'a stateful pattern (%p) answers the same every time, hasPrefix then parse as the guard calls them',
      (pattern) => {
        const stateful = new KeyFormat('sk', 32, pattern);
        for (let i = 0; i < 4; i++) {
          expect(stateful.hasPrefix(legacyKey)).toBe(true);
          expect(stateful.parse(legacyKey)).toEqual({ raw: legacyKey, start: 'lega', last4: 'cdef' });
        }
        expect(stateful.parse('legacy-0123')).toBeNull();
      },
    );

    it('applies the 512-character limit to legacy keys too', () => {
      const permissive = new KeyFormat('sk', 32, /^[a-z]+$/);
      expect(permissive.parse('a'.repeat(MAX_KEY_LENGTH))).not.toBeNull();
      expect(permissive.parse('a'.repeat(MAX_KEY_LENGTH + 1))).toBeNull();
    });
  });

  describe('prefix rule', () => {
    it.each(['sk', 'sk_live', 'a', 'a0', 'abcdefghijklmnop'])('accepts %p', (prefix) => {
      const format = new KeyFormat(prefix, 16);
      expect(format.parse(format.generate())).not.toBeNull();
    });

    it.each(['', 'SK', 'Sk', '1sk', '_sk', 'sk-live', 'sk live', 'sk.live', 'abcdefghijklmnopq', 'ské', 'sk\n'])(
      'rejects %p at construction',
      (prefix) => {
        expect(() => new KeyFormat(prefix, 32)).toThrow(/keyPrefix/);
      },
    );
  });

  it('hasPrefix tells our keys (and legacy ones) from other bearer values such as JWTs', () => {
    const format = new KeyFormat('sk_live', 32);
    expect(format.hasPrefix('sk_live_abc')).toBe(true);
    expect(format.hasPrefix('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig')).toBe(false);
    expect(format.hasPrefix('sk_livex')).toBe(false);
    expect(format.hasPrefix('sk_test_abc')).toBe(false);
  });
});

function decodeBase62(text: string): number {
  let value = 0;
  for (const c of text) value = value * 62 + BASE62.indexOf(c);
  return value;
}
