import type { ApiKeyEntity } from '../entities/api-key.entity.js';
import type { ApiKeyEvent } from '../interfaces/api-key-event.interface.js';
import type { VerificationRecord } from '../verification/verification-hook.js';
import { CreditThresholds } from './credit-thresholds.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2031, 2, 3, 9);

describe('CreditThresholds', () => {
  let events: ApiKeyEvent[];
  let thresholds: CreditThresholds;
  beforeEach(() => {
    events = [];
    thresholds = new CreditThresholds((event) => events.push(event));
  });

  const key = (fields: Partial<ApiKeyEntity>) =>
    ({ id: 'k1', ownerId: 'acme', refillAmount: null, refillInterval: null, creditsGranted: null, ...fields }) as ApiKeyEntity;
  const spend = (effective: ApiKeyEntity, remaining: number, spent = 1, at = T0, extra: Partial<VerificationRecord> = {}) =>
    thresholds.afterVerify({
      at,
      result: { valid: true, code: 'VALID', message: '', remaining },
      effective,
      spent,
      options: {},
      ...extra,
    });
  const fired = () => events.map((event) => event.details?.threshold);

  it('fires 80, 90 and 100 % on the calls that cross them, once each per refill period', () => {
    const daily = key({ refillAmount: 10, refillInterval: 'daily' });
    for (let remaining = 9; remaining >= 0; remaining--) spend(daily, remaining);
    expect(fired()).toEqual([80, 90, 100]);
    expect(events[0]).toEqual({
      type: 'credits.threshold',
      keyId: 'k1',
      ownerId: 'acme',
      actorId: 'system',
      at: T0,
      details: { threshold: 80, remaining: 2, total: 10, periodStart: new Date(Date.UTC(2031, 2, 3)).toISOString() },
    });
    // A balance raised and spent again in the same period does not repeat them...
    for (let remaining = 9; remaining >= 0; remaining--) spend(daily, remaining);
    expect(fired()).toEqual([80, 90, 100]);
    // ...the next period does.
    for (let remaining = 9; remaining >= 0; remaining--) spend(daily, remaining, 1, T0 + DAY);
    expect(fired()).toEqual([80, 90, 100, 80, 90, 100]);
  });

  it('fires every threshold one spend crosses; without refill, against the balance granted', () => {
    spend(key({ creditsGranted: 50 }), 0, 50);
    expect(fired()).toEqual([80, 90, 100]);
    expect(events[0].details).toEqual({ threshold: 80, remaining: 0, total: 50 });
  });

  it('fires nothing for failures, dry runs, free calls, unlimited keys, or a balance above the refill amount', () => {
    const daily = key({ refillAmount: 10, refillInterval: 'daily' });
    spend(daily, 0, 1, T0, { result: { valid: false, code: 'USAGE_EXCEEDED', message: '', remaining: 0 } });
    spend(daily, 0, 1, T0, { options: { dryRun: true } });
    spend(daily, 0, 0);
    spend(key({}), 0, 1);
    spend(daily, 50, 1);
    expect(events).toEqual([]);
  });
});
