import { BlockList, isIP } from 'node:net';

/** `::ffff:a.b.c.d` → `a.b.c.d`, so IPv4 clients on a dual-stack socket match IPv4 rules. */
export function normalizeIp(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const trimmed = ip.trim();
  return trimmed.toLowerCase().startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

/** Whether an entry is a valid address or CIDR block. */
export function isValidIpRule(rule: string): boolean {
  const [address, bits, extra] = rule.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const compiled = new Map<string, BlockList>();

/** Whether `ip` is inside one of `rules` (addresses or CIDR blocks). Fails closed without an ip. */
export function ipAllowed(rules: readonly string[], ip: string | undefined): boolean {
  if (rules.length === 0) return true;
  const address = normalizeIp(ip);
  const family = address ? isIP(address) : 0;
  if (!address || !family) return false;
  const cacheKey = rules.join(',');
  let list = compiled.get(cacheKey);
  if (!list) {
    list = new BlockList();
    for (const rule of rules) {
      const [base, bits] = rule.split('/');
      const ruleFamily = isIP(base) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(base, ruleFamily);
      else list.addSubnet(base, Number(bits), ruleFamily);
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(cacheKey, list);
  }
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
