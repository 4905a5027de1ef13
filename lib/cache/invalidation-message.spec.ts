import type { RecordedChange } from '../interfaces/api-key-change.interface.js';
import {
  checkedInvalidation,
  decodeInvalidation,
  encodeInvalidation,
  forBus,
  invalidationOf,
  MAX_IDS_PER_MESSAGE,
} from './invalidation-message.js';

const change = (action: string, extra: Partial<RecordedChange> = {}): RecordedChange =>
  ({ action, actorId: 'admin', at: 0, ...extra }) as RecordedChange;

describe('invalidationOf', () => {
  it.each(['key.revoked', 'key.updated', 'key.created', 'key.roles_set', 'key.permissions_set', 'key.child_created'])(
    '%s evicts its key',
    (action) => {
      expect(invalidationOf([change(action, { keyId: 'k1', ownerId: 'o' })])).toEqual({ keyIds: ['k1'] });
    },
  );

  it('a rotation evicts the new row and the old one', () => {
    expect(invalidationOf([change('key.rotated', { keyId: 'new', details: { rotatedFromId: 'old', gracePeriodMs: 0 } })])).toEqual({
      keyIds: ['new', 'old'],
    });
  });

  it('bulk revoke, purge and cascades evict every key they list', () => {
    const keys = [
      { id: 'a', ownerId: 'o' },
      { id: 'b', ownerId: 'o' },
    ];
    expect(invalidationOf([change('keys.revoked', { keys })])).toEqual({ keyIds: ['a', 'b'] });
    expect(invalidationOf([change('keys.purged', { keys })])).toEqual({ keyIds: ['a', 'b'] });
    expect(
      invalidationOf([
        change('key.revoked', {
          keyId: 'parent',
          keys: [
            { id: 'parent', ownerId: 'o' },
            { id: 'child', ownerId: 'o' },
          ],
        }),
      ]),
    ).toEqual({
      keyIds: ['parent', 'child'],
    });
  });

  it('an import also drops the NOT_FOUND answers (its value may have been presented before)', () => {
    expect(invalidationOf([change('key.imported', { keyId: 'k1' })])).toEqual({ keyIds: ['k1'], notFound: true });
  });

  it.each(['role.created', 'role.deleted', 'role.updated', 'permission.created', 'permission.deleted', 'owner.rate_limits_set'])(
    '%s clears everything (a definition many keys share)',
    (action) => {
      expect(invalidationOf([change(action, { keyId: 'k1' })])).toEqual({ keyIds: [], all: true });
    },
  );

  it('secrets change no verify outcome: nothing to invalidate', () => {
    expect(invalidationOf([change('secret.put', { ownerId: 'o' }), change('secret.deleted', { ownerId: 'o' })])).toBeNull();
  });

  it('several changes of one transaction make one message', () => {
    expect(
      invalidationOf([
        change('key.updated', { keyId: 'a' }),
        change('key.roles_set', { keyId: 'b' }),
        change('key.updated', { keyId: 'a' }),
      ]),
    ).toEqual({
      keyIds: ['a', 'b'],
    });
  });
});

describe('bus messages', () => {
  it('forBus names this instance and turns a large change into "clear everything"', () => {
    expect(forBus({ keyIds: ['a'] }, 'me')).toEqual({ keyIds: ['a'], origin: 'me' });
    const many = Array.from({ length: MAX_IDS_PER_MESSAGE + 1 }, (_, i) => `k${i}`);
    expect(forBus({ keyIds: many }, 'me')).toEqual({ keyIds: [], all: true, origin: 'me' });
  });

  it('round-trips through JSON with ids and flags only', () => {
    const message = { keyIds: ['a', 'b'], notFound: true, origin: 'me' };
    const wire = encodeInvalidation({ ...message, secret: 'x' } as never);
    expect(JSON.parse(wire)).toEqual(message);
    expect(decodeInvalidation(wire)).toEqual({ message, valid: true });
  });

  it.each([
    ['not JSON', '{'],
    ['a string', '"x"'],
    ['no keyIds', '{}'],
    ['keyIds not strings', '{"keyIds":[1]}'],
    ['an empty id', '{"keyIds":[""]}'],
    ['a long id', JSON.stringify({ keyIds: ['x'.repeat(200)] })],
    ['too many ids', JSON.stringify({ keyIds: Array.from({ length: MAX_IDS_PER_MESSAGE + 1 }, () => 'a') })],
    ['all not boolean', '{"keyIds":[],"all":"yes"}'],
    ['origin not a string', '{"keyIds":[],"origin":5}'],
  ])('a malformed message (%s) means "clear everything"', (_name, wire) => {
    expect(decodeInvalidation(wire)).toEqual({ message: { keyIds: [], all: true }, valid: false });
  });

  it('checks objects handed over by a custom bus the same way', () => {
    expect(checkedInvalidation(undefined).valid).toBe(false);
    expect(checkedInvalidation({ keyIds: ['a'], all: false })).toEqual({ message: { keyIds: ['a'] }, valid: true });
  });
});
