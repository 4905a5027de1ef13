import { isIP } from 'node:net';

/**
 * The eight 16-bit groups of an IPv6 address (zone id dropped, an embedded dotted IPv4 tail
 * read as two groups), or null when it is not one. Split by index: linear in the input.
 * @internal
 */
export function ipv6Groups(address: string): number[] | null {
  if (!address.includes(':')) return null; // IPv4 (the common case) without parsing
  const bare = address.split('%')[0];
  if (isIP(bare) !== 6) return null;
  const halves = bare.split('::');
  const parse = (part: string): number[] => {
    if (part === '') return [];
    const groups: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const [a, b, c, d] = piece.split('.').map(Number);
        groups.push((a << 8) | b, (c << 8) | d);
      } else groups.push(Number.parseInt(piece, 16));
    }
    return groups;
  };
  const head = parse(halves[0]);
  const tail = halves.length > 1 ? parse(halves[1]) : [];
  return [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
}

/** The dotted IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, any form), else null. */
function mappedIpv4(address: string): string | null {
  const groups = ipv6Groups(address);
  if (!groups || groups.slice(0, 5).some((g) => g !== 0) || groups[5] !== 0xffff) return null;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
}

/**
 * A client address as the library compares it: trimmed, and an IPv4-mapped IPv6 address
 * (`::ffff:a.b.c.d`, as a dual-stack socket reports IPv4 clients) unwrapped to `a.b.c.d`.
 */
export function normalizeIp(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const trimmed = ip.trim();
  if (!trimmed) return undefined;
  return mappedIpv4(trimmed) ?? trimmed;
}

/**
 * Who a client is for brute-force counting (SPEC §7): an IPv4 address as it is, an IPv6
 * address by its /64 (one subscriber usually holds a whole /64, so counting single addresses
 * would let it rotate through 2^64 of them), and a request without an address as one shared
 * client — never unthrottled.
 */
export function trackerOf(ip: string | undefined): string {
  const address = normalizeIp(ip);
  if (!address) return 'unknown';
  const groups = ipv6Groups(address);
  if (!groups) return address;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
