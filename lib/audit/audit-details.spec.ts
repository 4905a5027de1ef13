import { KeyFormat } from '../keys/key-format.js';
import { unsafeDetail } from './audit-details.js';

describe('unsafeDetail', () => {
  const format = new KeyFormat('sk_live', 32);
  const key = format.generate();

  it('passes the details the library records: ids, names, counts, filters', () => {
    for (const details of [
      {},
      { namespace: 'default', permissions: ['billing:read'], roles: [] },
      { changed: ['name', 'meta'] },
      { count: 3, filter: { ownerId: 'a'.repeat(64) } },
      { name: 'stripe', keyId: 'k1' },
      { note: 'sk_live_not-a-key' },
    ]) {
      expect(unsafeDetail(details, format)).toBeNull();
    }
  });

  it('refuses a raw key anywhere, and fields named like a key, hash or secret', () => {
    expect(unsafeDetail({ note: key }, format)).toMatch(/raw key/);
    expect(unsafeDetail({ deep: [{ deeper: [key] }] }, format)).toMatch(/raw key/);
    for (const name of ['key', 'rawKey', 'hash', 'HASH', 'secret', 'value', 'plaintext', 'ciphertext', 'pepper']) {
      expect(unsafeDetail({ nested: { [name]: 'x' } }, format)).toMatch(new RegExp(`'${name}'`));
    }
  });

  it('refuses details nested past any depth the library records', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(unsafeDetail(deep, format)).toMatch(/nested too deeply/);
  });
});
