import type { ApiKey } from '../interfaces/api-key.interface.js';
import { formatKeyJson, formatKeyTable } from './key-table.js';

const CREATED = new Date('2026-11-22T14:05:59.999Z');

function apiKey(fields: Partial<ApiKey> = {}): ApiKey {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    lineageId: '00000000-0000-4000-8000-000000000001',
    ownerId: 'ops',
    name: 'root',
    namespace: 'default',
    environment: null,
    start: 'sk_live_AbCd',
    last4: 'wxyz',
    hashVersion: 'sha256',
    meta: {},
    permissions: ['api_keys:admin'],
    roles: [],
    allowedIps: [],
    enabled: true,
    disabledBy: null,
    status: 'active',
    remaining: null,
    refill: null,
    rateLimits: [],
    createdAt: CREATED,
    updatedAt: CREATED,
    expiresAt: null,
    maxIdleMs: null,
    lastUsedAt: null,
    revokedAt: null,
    rotatedFromId: null,
    rotatedToId: null,
    rotationGraceEndsAt: null,
    parentKeyId: null,
    ...fields,
  };
}

describe('formatKeyTable', () => {
  it('aligns a header and one line per key, UTC to the minute', () => {
    const table = formatKeyTable([
      apiKey(),
      apiKey({
        id: '00000000-0000-4000-8000-000000000002',
        ownerId: 'acme-corp',
        name: null,
        roles: ['support'],
        permissions: [],
        status: 'revoked',
        expiresAt: new Date('2027-01-01T00:00:00Z'),
      }),
    ]);
    expect(table).toBe(
      [
        'ID                                    OWNER      NAME  STATUS   KEY                PERMISSIONS     CREATED           EXPIRES           LAST USED',
        '00000000-0000-4000-8000-000000000001  ops        root  active   sk_live_AbCd…wxyz  api_keys:admin  2026-11-22 14:05  -                 -',
        '00000000-0000-4000-8000-000000000002  acme-corp        revoked  sk_live_AbCd…wxyz  role:support    2026-11-22 14:05  2027-01-01 00:00  -',
        '',
      ].join('\n'),
    );
  });

  it('prints only the header for no keys', () => {
    expect(formatKeyTable([])).toBe('ID  OWNER  NAME  STATUS  KEY  PERMISSIONS  CREATED  EXPIRES  LAST USED\n');
  });

  it('escapes control characters and cuts long cells, so a name cannot add lines or drive the terminal', () => {
    const table = formatKeyTable([
      apiKey({ name: 'a\nb\u001b[2J\u009b' + 'x'.repeat(100), permissions: Array.from({ length: 20 }, (_, i) => `p:${i}`) }),
    ]);
    const lines = table.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(table).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(lines[1]).toContain('a\\u000ab\\u001b[2J\\u009b…  active');
    expect(lines[1]).toContain('p:0,p:1,p:2,p:3,p:4,p:5,p:6,p:7,p:8,p:9…  ');
  });

  it('shows an imported hash without display parts as such', () => {
    expect(formatKeyTable([apiKey({ start: '', last4: '' })])).toContain('(imported hash)');
  });
});

describe('formatKeyJson', () => {
  it('answers the keys as JSON with C1 controls and line separators escaped', () => {
    const json = formatKeyJson([apiKey({ name: 'a\u009bb\u2028c\u0007' })]);
    expect(json).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028]/);
    const [parsed] = JSON.parse(json);
    expect(parsed).toMatchObject({ name: 'a\u009bb\u2028c\u0007', createdAt: CREATED.toISOString() });
    expect('hash' in parsed).toBe(false);
  });
});
