/**
 * A storage key built from several parts, each percent-encoded so that no part's own `:` can
 * shift a boundary: owner `t1` with limit `x:min` and owner `t1:x` with limit `min` get two
 * counters (SPEC §11). Every counter the library keeps, in any storage, is keyed through this.
 * @internal
 */
export function counterKey(...parts: Array<string | number>): string {
  return parts.map((part) => encodeURIComponent(String(part))).join(':');
}
