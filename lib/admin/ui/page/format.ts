import type { KeyStatus, WireApiKey } from './api-types.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A timestamp for people, or `fallback` when there is none. */
export function formatDate(iso: string | null, fallback: string): string {
  if (!iso) return fallback;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** How a key is recognised without its secret: `sk_live_Ab12…9xYz`. */
export function keyHint(key: Pick<WireApiKey, 'start' | 'last4'>): string {
  return `${key.start}…${key.last4}`;
}

export function keyName(key: Pick<WireApiKey, 'name'>): string {
  return key.name ?? '(unnamed)';
}

export function formatCredits(key: Pick<WireApiKey, 'remaining' | 'refill'>): string {
  if (key.remaining === null) return 'unlimited';
  const balance = key.remaining.toLocaleString();
  return key.refill ? `${balance} (refills to ${key.refill.amount.toLocaleString()} ${key.refill.interval})` : balance;
}

export const STATUS_LABELS: Record<KeyStatus, string> = {
  active: 'Active',
  revoked: 'Revoked',
  disabled: 'Disabled',
  expired: 'Expired',
  rotated: 'Rotated (in grace)',
  idle: 'Idle',
};

export function formatDuration(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours >= 48 && Number.isInteger(hours / 24)) return `${hours / 24} days`;
  if (Number.isInteger(hours)) return hours === 1 ? '1 hour' : `${hours} hours`;
  return `${Math.round(ms / 60_000)} minutes`;
}

const utcHour = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});
const utcDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** A usage bucket's start: "May 12, 09:00" for an hour, "May 12" for a day (buckets are UTC). */
export function formatBucket(iso: string, granularity: 'hour' | 'day'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (granularity === 'hour' ? utcHour : utcDay).format(date);
}

/** "1 verification", "3 verifications". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}
