import { DEFAULT_SOURCES } from '../api-keys.options.js';
import type { KeySource } from '../interfaces/api-keys-options.interface.js';
import { KeyFormat } from '../keys/key-format.js';
import { extractKey, MAX_SOURCE_VALUE_LENGTH } from './key-extractor.js';

const format = new KeyFormat('sk_live', 32);
const isOurKey = (value: string) => format.hasPrefix(value);
const KEY = format.generate();
const OTHER_KEY = format.generate();
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

type Req = { headers?: Record<string, unknown>; query?: Record<string, unknown> };
const extract = (request: Req, sources: readonly KeySource[] = DEFAULT_SOURCES) => extractKey(request, sources, isOurKey);

describe('extractKey', () => {
  it('default sources are the x-api-key header, then Bearer', () => {
    expect(DEFAULT_SOURCES).toEqual([{ in: 'header', name: 'x-api-key' }, { in: 'bearer' }]);
  });

  describe('header source', () => {
    it('reads the configured header (header names are lower-case on the request)', () => {
      expect(extract({ headers: { 'x-api-key': KEY } })).toBe(KEY);
      expect(extract({ headers: { 'x-custom-key': KEY } }, [{ in: 'header', name: 'X-Custom-Key' }])).toBe(KEY);
    });

    it('passes a present header value on even if it does not look like our key (verify answers MALFORMED)', () => {
      expect(extract({ headers: { 'x-api-key': 'garbage' } })).toBe('garbage');
    });

    it('trims surrounding whitespace; empty or blank counts as absent', () => {
      expect(extract({ headers: { 'x-api-key': `  ${KEY}\t` } })).toBe(KEY);
      expect(extract({ headers: { 'x-api-key': '' } })).toBeUndefined();
      expect(extract({ headers: { 'x-api-key': '   ' } })).toBeUndefined();
    });

    it('takes the first value of an array header; non-string values count as absent', () => {
      expect(extract({ headers: { 'x-api-key': [KEY, OTHER_KEY] } })).toBe(KEY);
      expect(extract({ headers: { 'x-api-key': [] } })).toBeUndefined();
      expect(extract({ headers: { 'x-api-key': 42 } })).toBeUndefined();
      expect(extract({ headers: { 'x-api-key': { value: KEY } } })).toBeUndefined();
    });

    it('no headers at all is absent', () => {
      expect(extract({})).toBeUndefined();
      expect(extract({ headers: {} })).toBeUndefined();
    });
  });

  describe('bearer source', () => {
    it('reads a Bearer value carrying our prefix (scheme is case-insensitive)', () => {
      expect(extract({ headers: { authorization: `Bearer ${KEY}` } })).toBe(KEY);
      expect(extract({ headers: { authorization: `bearer ${KEY}` } })).toBe(KEY);
      expect(extract({ headers: { authorization: `BEARER  ${KEY} ` } })).toBe(KEY);
    });

    it('a Bearer value without our prefix (a JWT) counts as absent, never as a key', () => {
      expect(extract({ headers: { authorization: `Bearer ${JWT}` } })).toBeUndefined();
      expect(extract({ headers: { authorization: 'Bearer sk_test_abc' } })).toBeUndefined();
      // ...so a later source still gets its chance.
      expect(
        extract({ headers: { authorization: `Bearer ${JWT}` } }, [{ in: 'bearer' }, { in: 'header', name: 'x-api-key' }]),
      ).toBeUndefined();
      expect(
        extract({ headers: { authorization: `Bearer ${JWT}`, 'x-api-key': KEY } }, [{ in: 'bearer' }, { in: 'header', name: 'x-api-key' }]),
      ).toBe(KEY);
    });

    it('an empty or malformed Bearer header is absent', () => {
      for (const authorization of [
        'Bearer',
        'Bearer ',
        'Bearer    ',
        '',
        `Basic ${KEY}`,
        `Token ${KEY}`,
        `Bearer ${KEY} extra`,
        `Bearer${KEY}`,
        KEY,
      ]) {
        expect(extract({ headers: { authorization } })).toBeUndefined();
      }
    });

    it('takes the first value of an array authorization header', () => {
      expect(extract({ headers: { authorization: [`Bearer ${KEY}`, `Bearer ${OTHER_KEY}`] } })).toBe(KEY);
    });

    it('a Bearer legacy key counts when it matches legacyKeyPattern', () => {
      const legacy = new KeyFormat('sk', 32, /^legacy-[0-9a-f]{8}$/);
      expect(extractKey({ headers: { authorization: 'Bearer legacy-0123abcd' } }, [{ in: 'bearer' }], (v) => legacy.hasPrefix(v))).toBe(
        'legacy-0123abcd',
      );
      expect(extractKey({ headers: { authorization: `Bearer ${JWT}` } }, [{ in: 'bearer' }], (v) => legacy.hasPrefix(v))).toBeUndefined();
    });
  });

  describe('query source', () => {
    it('is read only when configured', () => {
      expect(extract({ query: { api_key: KEY } })).toBeUndefined();
      expect(extract({ query: { api_key: KEY } }, [{ in: 'query', name: 'api_key' }])).toBe(KEY);
      expect(extract({ query: { api_key: KEY } }, [...DEFAULT_SOURCES, { in: 'query', name: 'api_key' }])).toBe(KEY);
    });

    it('takes the first of repeated parameters; nested objects and blanks are absent', () => {
      const sources: KeySource[] = [{ in: 'query', name: 'api_key' }];
      expect(extract({ query: { api_key: [KEY, OTHER_KEY] } }, sources)).toBe(KEY);
      expect(extract({ query: { api_key: { nested: KEY } } }, sources)).toBeUndefined();
      expect(extract({ query: { api_key: '' } }, sources)).toBeUndefined();
      expect(extract({ query: {} }, sources)).toBeUndefined();
      expect(extract({}, sources)).toBeUndefined();
    });

    it('does not read the header of the same name, nor the query for a header source', () => {
      expect(extract({ headers: { api_key: KEY } }, [{ in: 'query', name: 'api_key' }])).toBeUndefined();
      expect(extract({ query: { 'x-api-key': KEY } }, [{ in: 'header', name: 'x-api-key' }])).toBeUndefined();
    });
  });

  describe('order of sources', () => {
    const request: Req = { headers: { 'x-api-key': KEY, authorization: `Bearer ${OTHER_KEY}` }, query: { api_key: 'sk_live_query' } };

    it('the first configured source with a value wins', () => {
      expect(extract(request)).toBe(KEY);
      expect(extract(request, [{ in: 'bearer' }, { in: 'header', name: 'x-api-key' }])).toBe(OTHER_KEY);
      expect(extract(request, [{ in: 'query', name: 'api_key' }, ...DEFAULT_SOURCES])).toBe('sk_live_query');
    });

    it('an empty earlier source falls through to the next', () => {
      expect(extract({ headers: { 'x-api-key': '', authorization: `Bearer ${OTHER_KEY}` } })).toBe(OTHER_KEY);
      expect(extract({ headers: { 'x-api-key': '  ' } }, [...DEFAULT_SOURCES, { in: 'query', name: 'k' }])).toBeUndefined();
    });

    it('no sources, no key', () => {
      expect(extract(request, [])).toBeUndefined();
    });
  });

  describe('input bounds (SPEC §7)', () => {
    const over = MAX_SOURCE_VALUE_LENGTH + 1;

    it('cuts a header or query value longer than 4 KiB (the key format then rejects it) and never trims it', () => {
      const long = `${KEY}${' '.repeat(5_000)}`;
      expect(extract({ headers: { 'x-api-key': long } })).toBe(long.slice(0, over));
      expect(extract({ query: { k: 'a'.repeat(10_000) } }, [{ in: 'query', name: 'k' }])).toHaveLength(over);
      expect(extract({ headers: { 'x-api-key': 'a'.repeat(MAX_SOURCE_VALUE_LENGTH) } })).toHaveLength(MAX_SOURCE_VALUE_LENGTH);
    });

    it('an oversized Bearer header that is blank for 4 KiB or carries our prefix is answered as a key (MALFORMED)', () => {
      expect(extract({ headers: { authorization: `Bearer${' '.repeat(16_000)}x y` } })).toHaveLength(over);
      expect(extract({ headers: { authorization: `Bearer${' \t'.repeat(8_000)}${KEY}` } })).toHaveLength(over);
      expect(extract({ headers: { authorization: `bearer\t${'sk_live_'.repeat(1_000)}` } })).toHaveLength(over);
      expect(extract({ headers: { authorization: `Bearer   ${KEY}${' '.repeat(5_000)}y` } })).toHaveLength(over);
    });

    it('an oversized Bearer token that is not ours (a large JWT) stays absent, like any JWT (SPEC §7)', () => {
      const bigJwt = `eyJhbGciOiJSUzI1NiJ9.${'eyJncm91cHMiOlsi'.repeat(400)}.sig`;
      expect(bigJwt.length).toBeGreaterThan(MAX_SOURCE_VALUE_LENGTH);
      expect(extract({ headers: { authorization: `Bearer ${bigJwt}` } })).toBeUndefined();
      expect(extract({ headers: { authorization: `Bearer${' '.repeat(1_000)}${bigJwt}` } })).toBeUndefined();
      expect(extract({ headers: { authorization: `Basic ${'a'.repeat(10_000)}` } })).toBeUndefined();
      // A legacy pattern that would match the start of the token never sees it (over 512 characters).
      const legacy = new KeyFormat('sk', 32, /^eyJ/);
      expect(
        extractKey({ headers: { authorization: `Bearer ${bigJwt}` } }, [{ in: 'bearer' }], (v) => legacy.hasPrefix(v)),
      ).toBeUndefined();
    });

    it('splits Bearer headers of any blank shape by index, in linear time', () => {
      for (const blanks of [' '.repeat(1_500), '\t'.repeat(1_500), ' \t'.repeat(750)]) {
        expect(extract({ headers: { authorization: `Bearer${blanks}x${blanks}y` } })).toBeUndefined();
        expect(extract({ headers: { authorization: `Bearer${blanks.slice(0, 1_000)}${KEY}${blanks.slice(0, 1_000)}` } })).toBe(KEY);
      }
    });

    it('runs no regular expression at all on any header or query shape (nothing can backtrack)', () => {
      // Every pattern method goes through RegExp.prototype.exec (match, replace, split, test
      // included); a pattern like the old `\s+(.+)\s*$` took 3–13 ms per 4 KiB header here.
      const exec = jest.spyOn(RegExp.prototype, 'exec');
      const prefixOnly = (value: string) => value.startsWith('sk_live_');
      const sources: KeySource[] = [{ in: 'header', name: 'x-api-key' }, { in: 'query', name: 'k' }, { in: 'bearer' }];
      try {
        // Within the 4 KiB bound (trimmed and split) and past it (cut or skipped).
        for (const blanks of [' '.repeat(1_900), '\t'.repeat(1_900), ' \t'.repeat(950), ' '.repeat(20_000)]) {
          for (const value of [
            `Bearer${blanks}x y`,
            `Bearer${blanks}${KEY}${blanks}`,
            `bearer ${'sk_live_'.repeat(600)}`,
            `${blanks}x${blanks}`,
          ]) {
            // One source at a time: extraction stops at the first source that has a value.
            extractKey({ headers: { authorization: value } }, sources, prefixOnly);
            extractKey({ headers: { 'x-api-key': value } }, sources, prefixOnly);
            extractKey({ query: { k: value } }, sources, prefixOnly);
          }
        }
        expect(exec).not.toHaveBeenCalled();
      } finally {
        exec.mockRestore();
      }
    });

    it('never runs legacyKeyPattern on a value longer than 512 characters', () => {
      const legacy = new KeyFormat('sk', 32, /^a+$/);
      const test = jest.spyOn(RegExp.prototype, 'test');
      try {
        expect(
          extractKey({ headers: { authorization: `Bearer ${'a'.repeat(600)}` } }, [{ in: 'bearer' }], (v) => legacy.hasPrefix(v)),
        ).toBeUndefined();
        expect(legacy.parse('a'.repeat(513))).toBeNull();
        const legacyCalls = test.mock.contexts.filter((re) => (re as RegExp).source === '^a+$');
        expect(legacyCalls).toHaveLength(0);
        expect(legacy.hasPrefix('a'.repeat(512))).toBe(true);
      } finally {
        test.mockRestore();
      }
    });
  });
});
