/** Deepest request body the admin API reads (SPEC §9). */
export const MAX_BODY_DEPTH = 16;
/** Deepest `meta` object a key may carry (SPEC §9). */
export const MAX_META_DEPTH = 8;

/**
 * Whether `value` nests deeper than `limit` (a scalar has depth 0, `{}` and `[]` depth 1).
 * Iterative, and it stops at the first level past the limit, so no input — 30,000 nested
 * arrays included — can overflow the stack or cost more than one walk of what was parsed.
 * @internal
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}
