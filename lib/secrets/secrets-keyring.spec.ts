import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { resolveOptions } from '../api-keys.options.js';
import { resolveSecretsOption } from './secrets-keyring.js';

const key = () => randomBytes(32).toString('base64');
/** 32 bytes whose last character carries a set unused bit: Node decodes it, but it is no canonical encoding. */
const nonCanonical = () => {
  const bytes = randomBytes(32);
  bytes[31] &= 0xf0; // the 43rd character is then 'A'
  return `${bytes.toString('base64').slice(0, 42)}B=`;
};

describe('the secrets keyring option', () => {
  it('decodes a ring of keys and names the active one', () => {
    const ring = resolveSecretsOption({ keys: { k1: key(), 'k2.2026-01': key() }, activeKeyId: 'k2.2026-01' })!;
    expect(ring.activeKeyId).toBe('k2.2026-01');
    expect(ring.keyIds).toEqual(['k1', 'k2.2026-01']);
    expect(ring.keyFor('k1')).toHaveLength(32);
    expect(ring.has('k3')).toBe(false);
    expect(resolveSecretsOption(undefined)).toBeUndefined();
    expect(resolveOptions({}).secrets).toBeUndefined();
  });

  it('fails the boot on a short, long, non-base64, empty, missing or non-random key, naming the id and never the key', () => {
    const cases: Array<[value: unknown, message: RegExp]> = [
      [randomBytes(16).toString('base64'), /\["k1"\] decodes to 16 bytes, not 32/],
      [randomBytes(31).toString('base64'), /decodes to 31 bytes, not 32/],
      [randomBytes(33).toString('base64'), /decodes to 33 bytes, not 32/],
      [randomBytes(64).toString('base64'), /decodes to 64 bytes, not 32/],
      [randomBytes(32).toString('hex'), /decodes to 48 bytes|is not base64/],
      [randomBytes(32).toString('base64url'), /is not base64/],
      [`${key().slice(0, -1)}!`, /is not base64/],
      [` ${key()}`, /is not base64/],
      [`${key()}\n`, /is not base64/],
      [key().slice(0, -1), /is not base64/], // padding dropped
      ['correct horse battery staple, a passphrase', /is not base64/],
      // The last character carries 4 unused bits: a non-zero one is not the canonical encoding.
      [nonCanonical(), /is not canonical base64/],
      ['', /missing or not a string/],
      [undefined, /missing or not a string/],
      [null, /missing or not a string/],
      [Buffer.alloc(32, 7), /missing or not a string/],
      [32, /missing or not a string/],
      [Buffer.alloc(32).toString('base64'), /repeats one byte/],
      [Buffer.alloc(32, 0xff).toString('base64'), /repeats one byte/],
    ];
    for (const [value, message] of cases) {
      let thrown: Error | undefined;
      try {
        resolveOptions({ secrets: { keys: { k1: value as string }, activeKeyId: 'k1' } });
      } catch (error) {
        thrown = error as Error;
      }
      expect({ value, message: thrown?.message }).toEqual({ value, message: expect.stringMatching(message) });
      expect(thrown!.message).toMatch(/^nest-api-keys: secrets\.keys\["k1"\]/);
      expect(thrown!.message).toContain('randomBytes(32)'); // says how to make one
      if (typeof value === 'string' && value.trim().length >= 8) expect(thrown!.message).not.toContain(value.trim());
    }
  });

  it('fails the boot on an activeKeyId outside the ring, a bad key id, no keys, or an unknown field', () => {
    const good = key();
    const boot = (secrets: unknown) => () => resolveOptions({ secrets } as never);
    expect(boot({ keys: { k1: good }, activeKeyId: 'k2' })).toThrow(/secrets\.activeKeyId "k2" is not one of secrets\.keys \("k1"\)/);
    expect(boot({ keys: { k1: good } })).toThrow(/secrets\.activeKeyId undefined is not one of secrets\.keys/);
    expect(boot({ keys: { k1: good }, activeKeyId: 'K1' })).toThrow(/activeKeyId "K1"/);
    expect(boot({ keys: {}, activeKeyId: 'k1' })).toThrow(/secrets\.keys must hold at least one key/);
    expect(boot({ activeKeyId: 'k1' })).toThrow(/secrets\.keys must hold at least one key/);
    expect(boot({ keys: [good], activeKeyId: '0' })).toThrow(/secrets\.keys must hold at least one key/);
    expect(boot({ keys: { 'k 1': good }, activeKeyId: 'k 1' })).toThrow(/id "k 1" must be 1–32 letters/);
    expect(boot({ keys: { ['k'.repeat(33)]: good }, activeKeyId: 'k'.repeat(33) })).toThrow(/must be 1–32 letters/);
    expect(boot({ keys: { k1: good }, activeKeyId: 'k1', activeKey: 'k1' })).toThrow(/unknown field\(s\): "activeKey"/);
    expect(boot('k1')).toThrow(/secrets must be \{ keys/);
    expect(boot(null)).toThrow(/secrets must be \{ keys/);
    for (const secrets of [
      { keys: { k1: good }, activeKeyId: 'k2' },
      { keys: { k1: good, 'k 2': good }, activeKeyId: 'k1' },
    ]) {
      const message = (() => {
        try {
          boot(secrets)();
        } catch (error) {
          return (error as Error).message;
        }
      })();
      expect(message).toMatch(/^nest-api-keys: /);
      expect(message).not.toContain(good);
    }
  });

  it('never shows the key bytes when the resolved options are logged or serialised', () => {
    const secret = key();
    const resolved = resolveOptions({ secrets: { keys: { k1: secret }, activeKeyId: 'k1' } });
    const bytes = Buffer.from(secret, 'base64');
    for (const shown of [inspect(resolved, { depth: 10, showHidden: true }), JSON.stringify(resolved), String(resolved.secrets)]) {
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain(bytes.toString('hex'));
      expect(shown).not.toContain(bytes.toString('hex').match(/../g)!.slice(0, 8).join(' ')); // Buffer's <Buffer 0a 1b …>
    }
    expect(JSON.parse(JSON.stringify(resolved.secrets))).toEqual({ activeKeyId: 'k1', keyIds: ['k1'] });
  });
});
