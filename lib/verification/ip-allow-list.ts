import { BlockList, isIP } from 'node:net';
import { ipv6Groups, normalizeIp } from './ip-address.js';

export { normalizeIp };

/** Whether an entry is a valid address or CIDR block. */
export function isValidIpRule(rule: string): boolean {
  const [address, bits, extra] = rule.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** Allow-lists compiled per rule set; bounded, the oldest dropped first. */
const MAX_COMPILED = 1_000;
const compiled = new Map<string, { v4: BlockList; v6: BlockList }>();

/**
 * The block of clients a valid rule admits (SPEC §11): an IPv4 rule, or an IPv6 rule inside the
 * IPv4-mapped range `::ffff:0:0/96` (rewritten as the IPv4 block it denotes), admits IPv4
 * clients; every other IPv6 rule — `::/0` included — admits IPv6 clients only.
 * @internal
 */
export interface ClientBlock {
  family: 'ipv4' | 'ipv6';
  /** The rule's address, without a zone id. */
  address: string;
  /** Prefix length within the family (32 or 128 for a single address). */
  bits: number;
}

/** The clients a valid rule (see isValidIpRule) admits. @internal */
export function clientBlockOf(rule: string): ClientBlock {
  const [base, bitsText] = rule.split('/');
  if (isIP(base) === 4) return { family: 'ipv4', address: base, bits: bitsText === undefined ? 32 : Number(bitsText) };
  const bits = bitsText === undefined ? 128 : Number(bitsText);
  const groups = ipv6Groups(base)!;
  const inMappedRange = bits >= 96 && groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (inMappedRange) {
    const address = [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
    return { family: 'ipv4', address, bits: bits - 96 };
  }
  return { family: 'ipv6', address: base.split('%')[0], bits };
}

/**
 * Splits rules by the family of client they admit (see clientBlockOf). Node's BlockList alone
 * would let `::/0` admit every IPv4 client, since it checks IPv4 against IPv6 rules through the
 * mapped range.
 */
function compile(rules: readonly string[]): { v4: BlockList; v6: BlockList } {
  const v4 = new BlockList();
  const v6 = new BlockList();
  for (const rule of rules) {
    const block = clientBlockOf(rule);
    (block.family === 'ipv4' ? v4 : v6).addSubnet(block.address, block.bits, block.family);
  }
  return { v4, v6 };
}

/** The address of a block as a number of its family's width. */
function addressBits({ family, address }: ClientBlock): bigint {
  const parts = family === 'ipv4' ? address.split('.').map(Number) : ipv6Groups(address)!;
  const width = family === 'ipv4' ? 8n : 16n;
  return parts.reduce((value, part) => (value << width) | BigInt(part), 0n);
}

/** Whether every client `inner` admits is admitted by `outer` (same family, no wider prefix, same network). */
function blockWithin(inner: ClientBlock, outer: ClientBlock): boolean {
  if (inner.family !== outer.family || inner.bits < outer.bits) return false;
  const shift = BigInt((inner.family === 'ipv4' ? 32 : 128) - outer.bits);
  return addressBits(inner) >> shift === addressBits(outer) >> shift;
}

/**
 * The first of `rules` that admits a client `outer` does not, or null when `rules` only narrow
 * `outer` (SPEC §11 families: an IPv4-mapped rule is an IPv4 rule, `::/0` admits no IPv4
 * client). Each rule must lie inside one rule of `outer`; an empty `outer` admits anyone, an
 * empty `rules` admits anyone too (so it narrows only an empty `outer`). Both lists must be valid.
 * @internal
 */
export function ruleOutside(rules: readonly string[], outer: readonly string[]): string | null {
  if (outer.length === 0) return null;
  if (rules.length === 0) return '*';
  const outerBlocks = outer.map(clientBlockOf);
  for (const rule of rules) {
    const block = clientBlockOf(rule);
    if (!outerBlocks.some((candidate) => blockWithin(block, candidate))) return rule;
  }
  return null;
}

/** Whether `ip` is inside one of `rules` (addresses or CIDR blocks). Fails closed without an ip. */
export function ipAllowed(rules: readonly string[], ip: string | undefined): boolean {
  if (rules.length === 0) return true;
  const address = normalizeIp(ip);
  const family = address ? isIP(address.split('%')[0]) : 0;
  if (!address || !family) return false;
  const cacheKey = rules.join(',');
  let lists = compiled.get(cacheKey);
  if (!lists) {
    lists = compile(rules);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(cacheKey, lists);
  }
  return family === 4 ? lists.v4.check(address, 'ipv4') : lists.v6.check(address.split('%')[0], 'ipv6');
}
