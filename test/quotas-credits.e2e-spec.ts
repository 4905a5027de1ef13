import { createTestApp, type TestApp } from './utils/test-app.js';
import { lane } from './utils/databases.js';

// Credits must be exact under real concurrency on every database (SPEC §6, §11).
describe(`credits on ${lane}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ options: { storeTimeoutMs: 60_000, failedAttempts: false } });
  });
  afterAll(() => t.close());

  async function remainingOf(id: string): Promise<number | null> {
    return (await t.apiKeys.get(id))!.remaining;
  }

  it('1,000 concurrent verifies on remaining = 100 admit exactly 100, each with a distinct balance', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'c1', remaining: 100 });
    const results = await Promise.all(Array.from({ length: 1000 }, () => t.apiKeys.verify(key)));
    const valid = results.filter((r) => r.code === 'VALID');
    expect(valid).toHaveLength(100);
    expect(results.filter((r) => r.code === 'USAGE_EXCEEDED')).toHaveLength(900);
    expect(new Set(valid.map((r) => r.remaining)).size).toBe(100);
    expect([...valid.map((r) => r.remaining!)].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await remainingOf(apiKey.id)).toBe(0);
  });

  it('cost 7 on remaining = 1,000 with 1,000 callers admits exactly 142 and leaves 6', async () => {
    const { key, apiKey } = await t.apiKeys.create({ ownerId: 'c2', remaining: 1000 });
    const results = await Promise.all(Array.from({ length: 1000 }, () => t.apiKeys.verify(key, { cost: 7 })));
    const valid = results.filter((r) => r.code === 'VALID');
    expect(valid).toHaveLength(142);
    expect(new Set(valid.map((r) => r.remaining)).size).toBe(142);
    expect(await remainingOf(apiKey.id)).toBe(6);
  });
});
