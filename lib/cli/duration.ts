/** Milliseconds per unit of a CLI duration. `m` is minutes (there is no month unit). */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
// Anchored, no nested quantifiers, at most 6 digits: linear and far below Number.MAX_SAFE_INTEGER.
const DURATION = /^([1-9][0-9]{0,5})([smhdw])$/;

/**
 * Parses a CLI duration such as `90d`, `12h`, `30m`, `45s` or `2w` into milliseconds; answers
 * null for anything else (no sign, no fraction, no zero, no bare number, no spaces).
 * @internal
 */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
