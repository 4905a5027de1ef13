import { connect } from 'node:net';
import request from 'supertest';
import { VERIFY_MESSAGES, type VerifyCode } from '../lib/index.js';
import { KeyFormat } from '../lib/keys/key-format.js';
import { PLATFORMS, createTestApp, type Platform, type TestApp } from './utils/test-app.js';

const START = Date.UTC(2030, 0, 1);
const REASON: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden' };

/** Asserts the exact denial body, status and the WWW-Authenticate rule of SPEC §7. */
function expectDenied(res: request.Response, status: 401 | 403, code: string): void {
  // A permission denial names what the route required; every other code has its fixed message.
  const message =
    code === 'INSUFFICIENT_PERMISSIONS'
      ? expect.stringMatching(/^The API key lacks what this call requires: .+\.$/)
      : code in VERIFY_MESSAGES
        ? VERIFY_MESSAGES[code as VerifyCode]
        : expect.any(String);
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { statusCode: status, error: REASON[status], code, message },
  });
  if (status === 401) expect(res.headers['www-authenticate']).toBe('ApiKey');
  else expect(res.headers['www-authenticate']).toBeUndefined();
}

/** The same key with its last checksum character changed: well-shaped, wrong checksum. */
function breakChecksum(key: string): string {
  const last = key[key.length - 1];
  return key.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes as they are over a plain socket (for header values an HTTP client refuses
 * to send) and parses the answer's status line, headers and body.
 */
function rawHttp(server: any, head: Buffer): Promise<RawResponse> {
  const { port } = server.address();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!match) return reject(new Error(`no HTTP answer (got ${JSON.stringify(text.slice(0, 80))})`));
      const [rawHead, ...rest] = text.split('\r\n\r\n');
      const headers: Record<string, string> = {};
      for (const line of rawHead.split('\r\n').slice(1)) {
        const at = line.indexOf(':');
        if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({ status: Number(match[1]), headers, body: rest.join('\r\n\r\n') });
    };
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (error) => (chunks.length > 0 ? finish() : reject(error)));
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw HTTP request timed out')));
    socket.write(head);
  });
}

function rawGet(server: any, path: string, headerLines: Buffer[]): Promise<RawResponse> {
  const crlf = Buffer.from('\r\n', 'latin1');
  const parts: Buffer[] = [Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`, 'latin1')];
  for (const line of headerLines) parts.push(line, crlf);
  parts.push(crlf);
  return rawHttp(server, Buffer.concat(parts));
}

describe.each(PLATFORMS)('ApiKeyGuard on %s', (platform: Platform) => {
  let t: TestApp;
  let now = START;

  beforeAll(async () => {
    t = await createTestApp({ platform, options: { clock: { now: () => now } } });
    await t.app.listen(0, '127.0.0.1');
  });
  afterAll(() => t.close());

  const get = (path: string) => request(t.server).get(path);
  const create = (input: Partial<Parameters<TestApp['apiKeys']['create']>[0]> = {}) =>
    t.apiKeys.create({ ownerId: 'acme', name: 'test', ...input });

  describe('outcome codes over HTTP', () => {
    it('401 MISSING with WWW-Authenticate when no key is sent', async () => {
      const res = await get('/demo/whoami');
      expectDenied(res, 401, 'MISSING');
      expect(res.body.message).toBe('An API key is required.');
    });

    it('accepts a key in x-api-key and in Bearer, and attaches the principal', async () => {
      const { key, apiKey } = await create({ permissions: ['billing:read'] });
      for (const headers of [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }, { authorization: `bearer ${key}` }]) {
        const res = await get('/demo/whoami').set(headers);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ id: apiKey.id, ownerId: 'acme', permissions: ['billing:read'] });
        expect(JSON.stringify(res.body)).not.toContain(key);
      }
    });

    it('401 MALFORMED for a key with a bad checksum, in x-api-key and in Bearer', async () => {
      const { key } = await create();
      const broken = breakChecksum(key);
      expectDenied(await get('/demo/whoami').set('x-api-key', broken), 401, 'MALFORMED');
      expectDenied(await get('/demo/whoami').set('authorization', `Bearer ${broken}`), 401, 'MALFORMED');
      // The real key still works: the rejection was about the checksum, not the key.
      expect((await get('/demo/whoami').set('x-api-key', key)).status).toBe(200);
    });

    it('401 NOT_FOUND for a well-formed key that was never issued', async () => {
      const unknown = new KeyFormat('sk', 32).generate();
      expectDenied(await get('/demo/whoami').set('x-api-key', unknown), 401, 'NOT_FOUND');
    });

    it('401 NOT_FOUND for a key whose row was purged', async () => {
      const { key, apiKey } = await create();
      expect((await get('/demo/whoami').set('x-api-key', key)).status).toBe(200);
      await t.apiKeys.revoke(apiKey.id);
      expect(await t.apiKeys.purge({ olderThanMs: 0 })).toBeGreaterThanOrEqual(1);
      expect(await t.apiKeys.get(apiKey.id)).toBeNull();
      expectDenied(await get('/demo/whoami').set('x-api-key', key), 401, 'NOT_FOUND');
    });

    it('401 REVOKED after revoke', async () => {
      const { key, apiKey } = await create();
      expect((await get('/demo/whoami').set('x-api-key', key)).status).toBe(200);
      await t.apiKeys.revoke(apiKey.id);
      expectDenied(await get('/demo/whoami').set('x-api-key', key), 401, 'REVOKED');
      expect((await t.apiKeys.get(apiKey.id))?.status).toBe('revoked');
    });

    it('401 DISABLED while enabled is false, and 200 again once re-enabled', async () => {
      const { key, apiKey } = await create();
      await t.apiKeys.update(apiKey.id, { enabled: false });
      expectDenied(await get('/demo/whoami').set('x-api-key', key), 401, 'DISABLED');
      expect(await t.apiKeys.get(apiKey.id)).toMatchObject({ enabled: false, disabledBy: 'admin', status: 'disabled' });
      await t.apiKeys.update(apiKey.id, { enabled: true });
      expect((await get('/demo/whoami').set('x-api-key', key)).status).toBe(200);
    });

    it('401 EXPIRED from expiresAt on (injected clock)', async () => {
      const { key, apiKey } = await create({ expiresAt: now + 1000 });
      expect((await get('/demo/whoami').set('x-api-key', key)).status).toBe(200);
      now += 999;
      expect((await get('/demo/whoami').set('x-api-key', key)).status).toBe(200);
      now += 1;
      expectDenied(await get('/demo/whoami').set('x-api-key', key), 401, 'EXPIRED');
      expect((await t.apiKeys.get(apiKey.id))?.status).toBe('expired');
    });

    it("rotation grace: the old key works during grace with the successor's permissions, then 401 ROTATION_GRACE_EXPIRED", async () => {
      const { key: oldKey, apiKey: old } = await create({ permissions: ['billing:read'] });
      const { key: newKey, apiKey: successor } = await t.apiKeys.rotate(old.id, { gracePeriodMs: 60_000 });
      await t.apiKeys.update(successor.id, { permissions: ['reports:read'] });

      const whoami = await get('/demo/whoami').set('x-api-key', oldKey);
      expect(whoami.status).toBe(200);
      expect(whoami.body).toMatchObject({ id: old.id, lineageId: old.lineageId, permissions: ['reports:read'] });
      // The old key reads the successor's row: its own billing:read grant no longer counts.
      expectDenied(await get('/demo/billing').set('x-api-key', oldKey), 403, 'INSUFFICIENT_PERMISSIONS');
      expect((await get('/reports').set('x-api-key', oldKey)).status).toBe(200);

      now += 59_999;
      expect((await get('/reports').set('x-api-key', oldKey)).status).toBe(200);
      now += 1;
      expectDenied(await get('/reports').set('x-api-key', oldKey), 401, 'ROTATION_GRACE_EXPIRED');
      expect((await get('/reports').set('x-api-key', newKey)).status).toBe(200);
      expect((await t.apiKeys.get(old.id))?.status).toBe('rotated');
    });

    it('401 IDLE_TIMEOUT after maxIdleMs without use; each use restarts the idle window', async () => {
      const { key, apiKey } = await create({ maxIdleMs: 60_000 });
      const { key: unused } = await create({ maxIdleMs: 60_000 });
      expect((await get('/demo/whoami').set('x-api-key', key)).status).toBe(200);
      now += 60_000; // exactly maxIdleMs since the last use: still allowed
      expect((await get('/demo/whoami').set('x-api-key', key)).status).toBe(200);
      now += 40_000; // 100 s after creation, 40 s after the last use
      expect((await get('/demo/whoami').set('x-api-key', key)).status).toBe(200);
      expectDenied(await get('/demo/whoami').set('x-api-key', unused), 401, 'IDLE_TIMEOUT');
      now += 60_001;
      expectDenied(await get('/demo/whoami').set('x-api-key', key), 401, 'IDLE_TIMEOUT');
      expect((await t.apiKeys.get(apiKey.id))?.status).toBe('idle');
    });
  });

  describe('permissions and roles', () => {
    it('403 INSUFFICIENT_PERMISSIONS without WWW-Authenticate when an all-of requirement is not met', async () => {
      const { key } = await create({ permissions: ['billing:read'] });
      expect((await get('/demo/billing').set('x-api-key', key)).status).toBe(200);
      expectDenied(await get('/demo/billing-write').set('x-api-key', key), 403, 'INSUFFICIENT_PERMISSIONS');
      const { key: both } = await create({ permissions: ['billing:read', 'billing:write'] });
      expect((await get('/demo/billing-write').set('x-api-key', both)).status).toBe(200);
    });

    it('anyOf passes with either permission and denies with neither', async () => {
      const { key: reports } = await create({ permissions: ['reports:read'] });
      const { key: billing } = await create({ permissions: ['billing:read'] });
      const { key: other } = await create({ permissions: ['other:read'] });
      expect((await get('/demo/any').set('x-api-key', reports)).status).toBe(200);
      expect((await get('/demo/any').set('x-api-key', billing)).status).toBe(200);
      expectDenied(await get('/demo/any').set('x-api-key', other), 403, 'INSUFFICIENT_PERMISSIONS');
    });

    it("a wildcard grant 'billing:*' satisfies billing:read and billing:write, not other namespaces", async () => {
      const { key } = await create({ permissions: ['billing:*'] });
      expect((await get('/demo/billing').set('x-api-key', key)).status).toBe(200);
      expect((await get('/demo/billing-write').set('x-api-key', key)).status).toBe(200);
      expectDenied(await get('/reports').set('x-api-key', key), 403, 'INSUFFICIENT_PERMISSIONS');
    });

    it('class-level requirement applies, and a method-level one overrides it', async () => {
      const { key: reader } = await create({ permissions: ['reports:read'] });
      const { key: exporter } = await create({ permissions: ['reports:export'] });
      expect((await get('/reports').set('x-api-key', reader)).status).toBe(200);
      expectDenied(await get('/reports/export').set('x-api-key', reader), 403, 'INSUFFICIENT_PERMISSIONS');
      expectDenied(await get('/reports').set('x-api-key', exporter), 403, 'INSUFFICIENT_PERMISSIONS');
      expect((await get('/reports/export').set('x-api-key', exporter)).status).toBe(200);
    });

    it("a denial never names the key's permissions", async () => {
      const { key } = await create({ permissions: ['secretzone:launch', 'hidden:thing'] });
      const res = await get('/demo/billing-write').set('x-api-key', key);
      expectDenied(res, 403, 'INSUFFICIENT_PERMISSIONS');
      const text = JSON.stringify(res.body) + JSON.stringify(res.headers);
      expect(text).not.toContain('secretzone');
      expect(text).not.toContain('hidden:thing');
      // ... while it names what was required (SPEC §11).
      expect(res.body.message).toBe('The API key lacks what this call requires: billing:read, billing:write.');
      const anyOf = await get('/demo/any').set('x-api-key', key);
      expect(anyOf.body.message).toBe('The API key lacks what this call requires: one of billing:read, reports:read.');
      const role = await get('/demo/role').set('x-api-key', key);
      expect(role.body.message).toBe('The API key lacks what this call requires: role admin.');
    });

    it("@RequireRoles('admin') denies a key without the role and allows one with it", async () => {
      const { key: plain } = await create({ permissions: ['admin'] }); // a permission named admin is not the role
      const { key: admin } = await create({ roles: ['admin'] });
      expectDenied(await get('/demo/role').set('x-api-key', plain), 403, 'INSUFFICIENT_PERMISSIONS');
      expect(await get('/demo/role').set('x-api-key', admin)).toMatchObject({ status: 200, body: { ok: true } });
    });
  });

  describe('IP allow lists', () => {
    it('403 IP_NOT_ALLOWED from outside allowedIps, 200 from inside', async () => {
      const { key: remote } = await create({ allowedIps: ['10.0.0.0/8'] });
      const { key: local } = await create({ allowedIps: ['127.0.0.1'] });
      const { key: localBlock } = await create({ allowedIps: ['10.0.0.0/8', '127.0.0.0/8'] });
      expectDenied(await get('/demo/whoami').set('x-api-key', remote), 403, 'IP_NOT_ALLOWED');
      expect((await get('/demo/whoami').set('x-api-key', local)).status).toBe(200);
      expect((await get('/demo/whoami').set('x-api-key', localBlock)).status).toBe(200);
    });

    it('IP is checked before the key state: a revoked key used off-network answers IP_NOT_ALLOWED', async () => {
      const { key, apiKey } = await create({ allowedIps: ['10.0.0.0/8'] });
      await t.apiKeys.revoke(apiKey.id);
      expectDenied(await get('/demo/whoami').set('x-api-key', key), 403, 'IP_NOT_ALLOWED');
    });
  });

  describe('decorators', () => {
    it('@OptionalApiKey: no key passes with a null principal, a valid key gives the principal, a bad key is 401', async () => {
      expect(await get('/demo/optional')).toMatchObject({ status: 200, body: { principal: null } });
      const { key, apiKey } = await create();
      expect(await get('/demo/optional').set('x-api-key', key)).toMatchObject({ status: 200, body: { principal: apiKey.id } });
      expectDenied(await get('/demo/optional').set('x-api-key', breakChecksum(key)), 401, 'MALFORMED');
      await t.apiKeys.revoke(apiKey.id);
      expectDenied(await get('/demo/optional').set('x-api-key', key), 401, 'REVOKED');
    });

    it('@CurrentApiKey gives the principal, without hash or raw key', async () => {
      const { key, apiKey } = await create({
        permissions: ['billing:read'],
        roles: ['viewer'],
        meta: { plan: 'pro' },
        environment: 'live',
        expiresAt: now + 86_400_000,
      });
      const res = await get('/demo/whoami').set('x-api-key', key);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: apiKey.id,
        lineageId: apiKey.id,
        ownerId: 'acme',
        namespace: 'default',
        environment: 'live',
        name: 'test',
        permissions: ['billing:read'],
        roles: ['viewer'],
        meta: { plan: 'pro' },
        expiresAt: new Date(now + 86_400_000).toISOString(),
      });
      const text = res.text;
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(3, 20));
      expect(text).not.toMatch(/"hash/);
    });

    it('@ApiKeyVerification gives the whole verify result, without hash or raw key', async () => {
      const { key, apiKey } = await create({ permissions: ['billing:read'] });
      const res = await get('/demo/verification').set('x-api-key', key);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        valid: true,
        code: 'VALID',
        message: VERIFY_MESSAGES.VALID,
        key: { id: apiKey.id, ownerId: 'acme', permissions: ['billing:read'] },
      });
      expect(res.text).not.toContain(key);
      expect(res.text).not.toContain(key.slice(3, 20));
      expect(res.text).not.toMatch(/"hash/);
    });
  });

  describe('key sources', () => {
    it('a JWT in Bearer counts as absent: 401 MISSING, not MALFORMED', async () => {
      const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
      expectDenied(await get('/demo/whoami').set('authorization', `Bearer ${jwt}`), 401, 'MISSING');
      // And on an optional route the host's own auth may take it: no principal, no error.
      expect(await get('/demo/optional').set('authorization', `Bearer ${jwt}`)).toMatchObject({
        status: 200,
        body: { principal: null },
      });
    });

    it('an empty Bearer is MISSING', async () => {
      expectDenied(await get('/demo/whoami').set('authorization', 'Bearer '), 401, 'MISSING');
      expectDenied(await get('/demo/whoami').set('authorization', 'Bearer'), 401, 'MISSING');
      expectDenied(await get('/demo/whoami').set('x-api-key', ''), 401, 'MISSING');
    });

    it('the query string is ignored by default', async () => {
      const { key } = await create();
      expectDenied(await get(`/demo/whoami?api_key=${key}`), 401, 'MISSING');
    });
  });

  describe('hostile header values never give 500', () => {
    it('an 8 KB x-api-key is 401 MALFORMED', async () => {
      expectDenied(await get('/demo/whoami').set('x-api-key', `sk_${'a'.repeat(8 * 1024)}`), 401, 'MALFORMED');
      expectDenied(await get('/demo/whoami').set('authorization', `Bearer sk_${'a'.repeat(8 * 1024)}`), 401, 'MALFORMED');
    });

    it('non-ASCII bytes in x-api-key and Bearer are 401 MALFORMED', async () => {
      const { key } = await create();
      const latin1 = Buffer.from(`x-api-key: sk_\xe9${key.slice(4)}`, 'latin1');
      const utf8 = Buffer.from(`x-api-key: sk_\u00e9\u20ac${key.slice(5)}`, 'utf8');
      const bearer = Buffer.from(`Authorization: Bearer sk_\u00fc${key.slice(4)}`, 'utf8');
      for (const line of [latin1, utf8, bearer]) {
        const res = await rawGet(t.server, '/demo/whoami', [line]);
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe('ApiKey');
        expect(JSON.parse(res.body)).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          code: 'MALFORMED',
          message: VERIFY_MESSAGES.MALFORMED,
        });
      }
    });

    it('a NUL byte in a header is refused by the HTTP parser, never a 500 or a 200', async () => {
      const { key } = await create();
      for (const line of [
        Buffer.from(`x-api-key: ${key.slice(0, 10)}\0${key.slice(10)}`, 'latin1'),
        Buffer.from(`Authorization: Bearer ${key}\0`, 'latin1'),
      ]) {
        const res = await rawGet(t.server, '/demo/whoami', [line]);
        expect(res.status).not.toBe(500);
        expect(res.status).not.toBe(200);
        expect(res.status).toBe(400); // Node's HTTP parser rejects the header before Nest sees it
      }
      // The raw path itself is sound: the same key without the NUL byte is accepted.
      const ok = await rawGet(t.server, '/demo/whoami', [Buffer.from(`x-api-key: ${key}`, 'latin1')]);
      expect(ok.status).toBe(200);
    });
  });
});

describe.each(PLATFORMS)('ApiKeyGuard with a query source on %s', (platform: Platform) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ platform, options: { sources: [{ in: 'query', name: 'api_key' }] } });
  });
  afterAll(() => t.close());

  it('reads the key from ?api_key= when configured, and only from there', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'acme' });
    const res = await request(t.server).get(`/demo/whoami?api_key=${encodeURIComponent(key)}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(apiKey.id);
    // Sources not configured are not read.
    expectDenied(await request(t.server).get('/demo/whoami').set('x-api-key', key), 401, 'MISSING');
    expectDenied(await request(t.server).get('/demo/whoami').set('authorization', `Bearer ${key}`), 401, 'MISSING');
  });

  it('a bad key in the query is 401 MALFORMED; a repeated parameter uses its first value', async () => {
    const { key } = await t.apiKeys.create({ ownerId: 'acme' });
    expectDenied(await request(t.server).get(`/demo/whoami?api_key=${breakChecksum(key)}`), 401, 'MALFORMED');
    const repeated = await request(t.server).get(`/demo/whoami?api_key=x&api_key=${key}`);
    expectDenied(repeated, 401, 'MALFORMED'); // the first value counts
  });
});
