/**
 * `maxKeysPerOwner`, checked at boot: a positive integer, or absent (no cap; `activeKeys` is
 * counted anyway).
 * @internal
 */
export function resolveMaxKeysPerOwner(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(
      `nest-api-keys: maxKeysPerOwner must be a positive integer (got ${typeof value === 'number' ? value : (JSON.stringify(value) ?? String(value))}).`,
    );
  }
  return value;
}
