import type { ApiKeyEvent } from '../interfaces/api-key-event.interface.js';
import { FAILURE_EVENT_DEBOUNCE_MS, FailureNotifier } from './failure-notifier.js';

describe('FailureNotifier', () => {
  let now = 1_000_000;
  const events: ApiKeyEvent[] = [];
  const notifier = new FailureNotifier({ now: () => now }, (event) => events.push(event));
  const key = { id: 'k1', ownerId: 'o1' };

  it('sends one event per key and code per debounce window', () => {
    notifier.notify(key, { valid: false, code: 'REVOKED', message: '' });
    notifier.notify(key, { valid: false, code: 'REVOKED', message: '' });
    notifier.notify(key, { valid: false, code: 'EXPIRED', message: '' });
    now += FAILURE_EVENT_DEBOUNCE_MS - 1;
    notifier.notify(key, { valid: false, code: 'REVOKED', message: '' });
    expect(events.map((e) => e.details?.code)).toEqual(['REVOKED', 'EXPIRED']);
    now += 1;
    notifier.notify(key, { valid: false, code: 'REVOKED', message: '' });
    notifier.notify({ id: 'k2', ownerId: 'o1' }, { valid: false, code: 'REVOKED', message: '' });
    expect(events.map((e) => `${e.keyId}:${e.details?.code}`)).toEqual(['k1:REVOKED', 'k1:EXPIRED', 'k1:REVOKED', 'k2:REVOKED']);
  });

  it('reports rate limiting as ratelimit.exceeded with the limit name', () => {
    events.length = 0;
    notifier.notify(key, {
      valid: false,
      code: 'RATE_LIMITED',
      message: '',
      rateLimit: { name: 'per-minute', limit: 1, remaining: 0, resetAt: now },
    });
    expect(events).toEqual([
      {
        type: 'ratelimit.exceeded',
        keyId: 'k1',
        ownerId: 'o1',
        actorId: 'system',
        at: now,
        details: { code: 'RATE_LIMITED', limit: 'per-minute' },
      },
    ]);
  });
});
