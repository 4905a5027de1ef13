import { describeError } from './cli-errors.js';

describe('describeError', () => {
  it('folds a multi-line message into one line and drops a leading nest-api-keys: prefix', () => {
    expect(describeError(new Error('nest-api-keys: first\n   second\r\nthird'))).toBe('first second third');
  });

  it('reads an AggregateError without a message (a refused dual-stack connect) from its first error', () => {
    const refused = Object.assign(
      new AggregateError([new Error('connect ECONNREFUSED ::1:5432'), new Error('connect ECONNREFUSED 127.0.0.1:5432')], ''),
      {
        code: 'ECONNREFUSED',
      },
    );
    expect(describeError(refused)).toBe('connect ECONNREFUSED ::1:5432');
  });

  it('falls back to the code, then to the value itself', () => {
    expect(describeError(Object.assign(new Error(''), { code: 'ETIMEDOUT' }))).toBe('ETIMEDOUT');
    expect(describeError('plain text')).toBe('plain text');
    expect(describeError(42)).toBe('42');
  });

  it('cuts a huge message', () => {
    const line = describeError(new Error('x'.repeat(10_000)));
    expect(line).toHaveLength(501);
    expect(line.endsWith('…')).toBe(true);
  });
});
