interface Node<K, V> {
  key: K;
  value: V;
  expiresAt: number;
  /** Towards the most recently used end. */
  newer: Node<K, V> | null;
  /** Towards the least recently used end. */
  older: Node<K, V> | null;
}

/** Expired entries dropped from the least recently used end per write: pruning outpaces inserts. */
const PRUNE_PER_WRITE = 2;

/**
 * A least-recently-used map with a time to live, bounded by `maxEntries`: a hash map for the
 * lookup and a doubly linked list for the order, so `get`, `set` and every eviction are O(1).
 * (A Map alone, evicting its first key, is O(1) only on paper: V8 keeps deleted entries in
 * place until it rehashes, so each `keys().next()` walks them again — 55 s for a million
 * inserts at 10,000 entries, against milliseconds here.) Expired entries go when read, and
 * up to two per write from the cold end; past `maxEntries` the least recently used goes.
 * `onRemove` hears of every entry that leaves, however it leaves.
 * @internal
 */
export class LruTtlCache<K, V> {
  private readonly nodes = new Map<K, Node<K, V>>();
  /** Most recently used. */
  private newest: Node<K, V> | null = null;
  /** Least recently used. */
  private oldest: Node<K, V> | null = null;

  constructor(
    readonly maxEntries: number,
    private readonly onRemove?: (key: K, value: V) => void,
  ) {}

  get size(): number {
    return this.nodes.size;
  }

  /** The live value under `key` (now the most recently used), or undefined. */
  get(key: K, now: number): V | undefined {
    const node = this.nodes.get(key);
    if (node === undefined) return undefined;
    if (node.expiresAt <= now) {
      this.remove(node);
      return undefined;
    }
    if (node !== this.newest) {
      this.unlink(node);
      this.pushNewest(node);
    }
    return node.value;
  }

  /** Stores `value` under `key` until `expiresAt`, as the most recently used entry. */
  set(key: K, value: V, expiresAt: number, now: number): void {
    const existing = this.nodes.get(key);
    if (existing !== undefined) this.remove(existing);
    for (let i = 0; i < PRUNE_PER_WRITE && this.oldest !== null && this.oldest.expiresAt <= now; i++) this.remove(this.oldest);
    const node: Node<K, V> = { key, value, expiresAt, newer: null, older: null };
    this.nodes.set(key, node);
    this.pushNewest(node);
    while (this.nodes.size > this.maxEntries && this.oldest !== null) this.remove(this.oldest);
  }

  delete(key: K): boolean {
    const node = this.nodes.get(key);
    if (node === undefined) return false;
    this.remove(node);
    return true;
  }

  clear(): void {
    const removed = this.onRemove ? [...this.nodes.values()] : [];
    this.nodes.clear();
    this.newest = this.oldest = null;
    for (const node of removed) this.onRemove!(node.key, node.value);
  }

  private remove(node: Node<K, V>): void {
    this.nodes.delete(node.key);
    this.unlink(node);
    this.onRemove?.(node.key, node.value);
  }

  private unlink(node: Node<K, V>): void {
    if (node.newer !== null) node.newer.older = node.older;
    else this.newest = node.older;
    if (node.older !== null) node.older.newer = node.newer;
    else this.oldest = node.newer;
    node.newer = node.older = null;
  }

  private pushNewest(node: Node<K, V>): void {
    node.older = this.newest;
    node.newer = null;
    if (this.newest !== null) this.newest.newer = node;
    this.newest = node;
    if (this.oldest === null) this.oldest = node;
  }
}
