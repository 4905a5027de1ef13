import { createCipheriv, randomBytes } from 'node:crypto';
import { SecretUnreadableError } from '../api-keys.errors.js';
import { IV_BYTES, SECRET_AAD_LABEL, SecretCipher, TAG_BYTES, secretAad, type SealedSecret } from './secret-cipher.js';
import { resolveSecretsOption } from './secrets-keyring.js';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const ring = (activeKeyId: string, keys: Record<string, string> = { k1, k2 }) => resolveSecretsOption({ keys, activeKeyId })!;
const cipher = new SecretCipher(ring('k1'));

const VALUE = 'sk_live_51HxExampleStripeSecretValue';

/** Flips one bit of a base64 field's bytes. */
const flipBit = (base64: string, bit: number) => {
  const bytes = Buffer.from(base64, 'base64');
  bytes[bit >> 3] ^= 1 << (bit & 7);
  return bytes.toString('base64');
};

/** The error `open` throws, or a failure if it answered a value. */
function openFails(sealed: SealedSecret, ownerId = 'acme', name = 'stripe', using = cipher): SecretUnreadableError {
  let value: string | undefined;
  try {
    value = using.open(ownerId, name, sealed);
  } catch (error) {
    expect(error).toBeInstanceOf(SecretUnreadableError);
    const unreadable = error as SecretUnreadableError;
    expect(unreadable.code).toBe('SECRET_UNREADABLE');
    expect(unreadable.status).toBe(500);
    for (const secret of [VALUE, k1, k2]) expect(`${unreadable.message} ${unreadable.stack}`).not.toContain(secret);
    return unreadable;
  }
  throw new Error(`open answered a value for a tampered secret: ${JSON.stringify({ sealed, ownerId, name, opened: value === VALUE })}`);
}

describe('SecretCipher (AES-256-GCM)', () => {
  it('round-trips values of every shape and size with the active key, recording its id', () => {
    const values = [VALUE, 'x', 'ünïcödé ✓ 🔑 日本語', '{"type":"service_account","private_key":"-----BEGIN…"}', 'a'.repeat(32 * 1024)];
    for (const value of values) {
      const sealed = cipher.seal('acme', 'stripe', value);
      expect(sealed.keyId).toBe('k1');
      expect(Buffer.from(sealed.iv, 'base64')).toHaveLength(IV_BYTES);
      expect(Buffer.from(sealed.tag, 'base64')).toHaveLength(TAG_BYTES);
      expect(Buffer.from(sealed.ciphertext, 'base64')).toHaveLength(Buffer.byteLength(value));
      expect(cipher.open('acme', 'stripe', sealed)).toBe(value);
    }
  });

  it('decrypts with the key the row names, whatever the active key is now', () => {
    const old = cipher.seal('acme', 'stripe', VALUE);
    const rotated = new SecretCipher(ring('k2'));
    expect(rotated.open('acme', 'stripe', old)).toBe(VALUE);
    expect(rotated.seal('acme', 'stripe', VALUE).keyId).toBe('k2');
  });

  it('is interoperable: the AAD is the length-prefixed (label, ownerId, name) and a standard GCM encryption opens', () => {
    const aad = secretAad('acme', 'stripe');
    const expected = Buffer.concat(
      [SECRET_AAD_LABEL, 'acme', 'stripe'].flatMap((part) => {
        const bytes = Buffer.from(part, 'utf8');
        const length = Buffer.alloc(4);
        length.writeUInt32BE(bytes.length);
        return [length, bytes];
      }),
    );
    expect(aad).toEqual(expected);
    const iv = randomBytes(12);
    const encryptor = createCipheriv('aes-256-gcm', Buffer.from(k1, 'base64'), iv);
    encryptor.setAAD(expected);
    const ciphertext = Buffer.concat([encryptor.update(VALUE), encryptor.final()]);
    const sealed = {
      keyId: 'k1',
      iv: iv.toString('base64'),
      ciphertext: ciphertext.toString('base64'),
      tag: encryptor.getAuthTag().toString('base64'),
    };
    expect(cipher.open('acme', 'stripe', sealed)).toBe(VALUE);
  });

  it('gives no two (owner, name) pairs the same AAD, even where plain concatenation would', () => {
    const pairs: Array<[string, string]> = [
      ['a:b', 'c'],
      ['a', 'b:c'],
      ['ab', 'c'],
      ['a', 'bc'],
      ['acme', 'stripe'],
      ['acmestripe', 's'],
      ['acme\u0000', 'stripe'],
      ['é', 'x'],
      ['e\u0301', 'x'],
    ];
    const seen = new Set(pairs.map(([owner, name]) => secretAad(owner, name).toString('hex')));
    expect(seen.size).toBe(pairs.length);
  });

  it('rejects every single-bit change of the IV, the ciphertext and the tag (100 %)', () => {
    const sealed = cipher.seal('acme', 'stripe', VALUE);
    let rejected = 0;
    const fields: Array<keyof SealedSecret> = ['iv', 'ciphertext', 'tag'];
    for (const field of fields) {
      const bits = Buffer.from(sealed[field], 'base64').length * 8;
      for (let bit = 0; bit < bits; bit++) {
        expect(openFails({ ...sealed, [field]: flipBit(sealed[field], bit) }).reason).toBe('authentication-failed');
        rejected++;
      }
    }
    expect(rejected).toBe((IV_BYTES + Buffer.byteLength(VALUE) + TAG_BYTES) * 8);
  });

  it('rejects truncated, extended, emptied, swapped and re-encoded fields (100 %)', () => {
    const sealed = cipher.seal('acme', 'stripe', VALUE);
    const tag = Buffer.from(sealed.tag, 'base64');
    const iv = Buffer.from(sealed.iv, 'base64');
    const ciphertext = Buffer.from(sealed.ciphertext, 'base64');
    const other = cipher.seal('acme', 'stripe', VALUE);
    const variants: Array<Partial<SealedSecret>> = [
      // Every truncation of the tag, down to nothing: GCM would accept a 4-byte tag unless told 16.
      ...Array.from({ length: TAG_BYTES }, (_, n) => ({ tag: tag.subarray(0, n).toString('base64') })),
      { tag: Buffer.concat([tag, Buffer.from([0])]).toString('base64') },
      { tag: Buffer.alloc(TAG_BYTES).toString('base64') },
      ...Array.from({ length: IV_BYTES }, (_, n) => ({ iv: iv.subarray(0, n).toString('base64') })),
      { iv: Buffer.concat([iv, Buffer.from([0])]).toString('base64') },
      { iv: Buffer.alloc(IV_BYTES).toString('base64') },
      ...Array.from({ length: ciphertext.length }, (_, n) => ({ ciphertext: ciphertext.subarray(0, n).toString('base64') })),
      { ciphertext: Buffer.concat([ciphertext, Buffer.from([0])]).toString('base64') },
      { ciphertext: Buffer.concat([ciphertext, ciphertext]).toString('base64') },
      // Fields of another sealing of the same value: each is bound to its own IV and tag.
      { iv: other.iv },
      { tag: other.tag },
      { ciphertext: other.ciphertext },
      { iv: other.iv, ciphertext: other.ciphertext },
      { iv: other.iv, tag: other.tag },
      // Not canonical base64: a lenient decoder would drop the stray characters.
      { tag: `${sealed.tag.slice(0, 4)}!${sealed.tag.slice(4)}` },
      { iv: ` ${sealed.iv}` },
      { ciphertext: `${sealed.ciphertext}\n` },
      { iv: null as never },
      { tag: undefined as never },
      // Encrypted with k1, labelled k2 (a key id edited in the row).
      { keyId: 'k2' },
    ];
    for (const variant of variants) expect(openFails({ ...sealed, ...variant }).reason).toBe('authentication-failed');
  });

  it('rejects a value moved to another owner or another name, or with owner and name swapped (100 %)', () => {
    const sealed = cipher.seal('acme', 'stripe', VALUE);
    const elsewhere: Array<[string, string]> = [
      ['globex', 'stripe'],
      ['acme', 'github'],
      ['stripe', 'acme'],
      ['ACME', 'stripe'],
      ['acme', 'Stripe'],
      ['acme ', 'stripe'],
      ['acm', 'estripe'],
      ['acmes', 'tripe'],
    ];
    for (const [ownerId, name] of elsewhere) expect(openFails(sealed, ownerId, name).reason).toBe('authentication-failed');
  });

  it('refuses a row whose key id is not in the ring, saying which key is missing', () => {
    const sealed = new SecretCipher(ring('k2')).seal('acme', 'stripe', VALUE);
    const withoutK2 = new SecretCipher(ring('k1', { k1 }));
    const error = openFails(sealed, 'acme', 'stripe', withoutK2);
    expect(error.reason).toBe('unknown-key');
    expect(error.message).toMatch(/encrypted with key 'k2', which is not in secrets\.keys/);
  });

  it('draws a fresh IV for each of 100,000 encryptions: none repeats', () => {
    const ivs = new Set<string>();
    const ciphertexts = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const sealed = cipher.seal('acme', 'stripe', VALUE);
      ivs.add(sealed.iv);
      ciphertexts.add(sealed.ciphertext);
    }
    expect(ivs.size).toBe(100_000);
    // The same value under distinct IVs never encrypts alike.
    expect(ciphertexts.size).toBe(100_000);
  });
});
