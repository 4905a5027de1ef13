import type { SecretsOptions } from '../interfaces/secrets.interface.js';

/** AES-256 takes exactly 32 bytes of key. */
export const SECRET_KEY_BYTES = 32;
/** A key id is stored on every row (`api_key_secrets.key_id`, 32 characters). */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
/** How to make a key, quoted in every keyring error. */
export const KEY_GENERATION_COMMAND = `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

// Standard base64, padded: 32 bytes are 43 characters and one '='.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The resolved keyring of the secrets vault: the decoded keys by id and the active one. The key
 * bytes live in a private field, so neither `console.log(options)` nor `JSON.stringify` of the
 * resolved options can print them.
 * @internal
 */
export class SecretsKeyring {
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(
    keys: ReadonlyMap<string, Buffer>,
    readonly activeKeyId: string,
  ) {
    this.#keys = keys;
  }

  /** The ids in the ring (never the keys). */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** The key bytes of an id, or undefined. Only the cipher reads them. */
  keyFor(keyId: string): Buffer | undefined {
    return this.#keys.get(keyId);
  }

  /** What logging or serialising the ring shows: ids only. */
  toJSON(): { activeKeyId: string; keyIds: string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds };
  }
}

const fail = (message: string): never => {
  throw new Error(`nest-api-keys: ${message}`);
};

/** An id as it may appear in a message: quoted, bounded. */
const shown = (id: string) => JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id);

/** Decodes one key, or fails naming its id and the problem: never the value. */
function decodeKey(id: string, value: unknown): Buffer {
  const where = `secrets.keys[${shown(id)}]`;
  const how = `it must be the base64 of exactly ${SECRET_KEY_BYTES} random bytes (44 characters ending in '='; generate one with ${KEY_GENERATION_COMMAND})`;
  if (typeof value !== 'string' || value.length === 0) return fail(`${where} is missing or not a string: ${how}.`);
  // Buffer.from(…, 'base64') skips characters it does not know: check the alphabet and that
  // the value is the canonical encoding of what it decodes to.
  if (value.length % 4 !== 0 || !BASE64.test(value)) return fail(`${where} is not base64: ${how}.`);
  const key = Buffer.from(value, 'base64');
  if (key.toString('base64') !== value) return fail(`${where} is not canonical base64: ${how}.`);
  if (key.length !== SECRET_KEY_BYTES) return fail(`${where} decodes to ${key.length} bytes, not ${SECRET_KEY_BYTES}: ${how}.`);
  if (key.every((byte) => byte === key[0])) return fail(`${where} repeats one byte, so it is not a random key: ${how}.`);
  return key;
}

/**
 * Checks the `secrets` option and decodes its keyring, or fails the boot with a message that
 * names the key id and what is wrong with it, never the key. Undefined without the option:
 * the vault then answers SECRETS_NOT_CONFIGURED.
 * @internal
 */
export function resolveSecretsOption(option: SecretsOptions | undefined): SecretsKeyring | undefined {
  if (option === undefined) return undefined;
  const shape = `secrets must be { keys: { [id]: base64 of ${SECRET_KEY_BYTES} bytes }, activeKeyId }`;
  if (option === null || typeof option !== 'object' || Array.isArray(option)) return fail(`${shape}.`);
  const unknown = Object.keys(option).filter((field) => field !== 'keys' && field !== 'activeKeyId');
  if (unknown.length > 0) return fail(`${shape}; unknown field(s): ${unknown.map(shown).join(', ')}.`);
  const { keys, activeKeyId } = option;
  if (keys === null || typeof keys !== 'object' || Array.isArray(keys) || Object.keys(keys).length === 0) {
    return fail(`secrets.keys must hold at least one key: { [id]: base64 of ${SECRET_KEY_BYTES} bytes } (${KEY_GENERATION_COMMAND}).`);
  }
  const decoded = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(keys)) {
    if (!KEY_ID_PATTERN.test(id)) fail(`secrets.keys id ${shown(id)} must be 1–32 letters, digits, _ . - (it is stored on each secret).`);
    decoded.set(id, decodeKey(id, value));
  }
  if (typeof activeKeyId !== 'string' || !decoded.has(activeKeyId)) {
    const given = typeof activeKeyId === 'string' ? shown(activeKeyId) : String(activeKeyId);
    return fail(`secrets.activeKeyId ${given} is not one of secrets.keys (${[...decoded.keys()].map(shown).join(', ')}).`);
  }
  return new SecretsKeyring(decoded, activeKeyId);
}
