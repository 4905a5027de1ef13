import { trackerOf } from './ip-address.js';
import { clientBlockOf, ipAllowed, isValidIpRule, normalizeIp, ruleOutside } from './ip-allow-list.js';

describe('ip allow-list', () => {
  describe('normalizeIp', () => {
    it('unwraps IPv4-mapped IPv6 addresses (any case)', () => {
      expect(normalizeIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
      expect(normalizeIp('::FFFF:10.1.2.3')).toBe('10.1.2.3');
      expect(normalizeIp(' ::ffff:192.0.2.1 ')).toBe('192.0.2.1');
    });

    it('keeps other addresses (trimmed)', () => {
      expect(normalizeIp('10.1.2.3')).toBe('10.1.2.3');
      expect(normalizeIp(' 10.1.2.3\t')).toBe('10.1.2.3');
      expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
      expect(normalizeIp('::1')).toBe('::1');
      // Not a dotted IPv4 after the prefix: left alone.
      expect(normalizeIp('::ffff:abcd')).toBe('::ffff:abcd');
      expect(normalizeIp('::ffff:10.1.2')).toBe('::ffff:10.1.2');
    });

    it('absent or empty is undefined', () => {
      expect(normalizeIp(undefined)).toBeUndefined();
      expect(normalizeIp('')).toBeUndefined();
    });
  });

  describe('isValidIpRule', () => {
    it.each([
      '10.0.0.1',
      '10.0.0.0/8',
      '0.0.0.0/0',
      '192.0.2.0/24',
      '10.0.0.0/32',
      '::1',
      '2001:db8::/32',
      '::/0',
      '2001:db8::1/128',
      'fe80::/10',
    ])('accepts %p', (rule) => {
      expect(isValidIpRule(rule)).toBe(true);
    });

    it.each([
      '10.0.0.0/33',
      '2001:db8::/129',
      '1.2.3',
      'abc',
      '',
      '/8',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '10.0.0.0/8/8',
      '10.0.0.0/a',
      '10.0.0.0/ 8',
      '10.0.0.0/1000',
      '256.0.0.1',
      '10.0.0.0 /8',
      ' 10.0.0.1',
      'localhost',
      '10.0.0.0-10.0.0.255',
      '*',
    ])('rejects %p', (rule) => {
      expect(isValidIpRule(rule)).toBe(false);
    });
  });

  describe('ipAllowed', () => {
    it('no rules: every client, even an unknown one', () => {
      expect(ipAllowed([], undefined)).toBe(true);
      expect(ipAllowed([], '203.0.113.1')).toBe(true);
    });

    it('IPv4 CIDR blocks include their edges and nothing outside', () => {
      const rules = ['192.0.2.0/24'];
      expect(ipAllowed(rules, '192.0.2.0')).toBe(true);
      expect(ipAllowed(rules, '192.0.2.255')).toBe(true);
      expect(ipAllowed(rules, '192.0.3.0')).toBe(false);
      expect(ipAllowed(rules, '192.0.1.255')).toBe(false);
    });

    it('single addresses match exactly', () => {
      expect(ipAllowed(['198.51.100.7'], '198.51.100.7')).toBe(true);
      expect(ipAllowed(['198.51.100.7'], '198.51.100.8')).toBe(false);
      expect(ipAllowed(['2001:db8::7'], '2001:db8::7')).toBe(true);
      expect(ipAllowed(['2001:db8::7'], '2001:db8:0:0:0:0:0:7')).toBe(true);
      expect(ipAllowed(['2001:db8::7'], '2001:db8::8')).toBe(false);
    });

    it('IPv6 CIDR blocks', () => {
      const rules = ['2001:db8::/32'];
      expect(ipAllowed(rules, '2001:db8::1')).toBe(true);
      expect(ipAllowed(rules, '2001:db8:ffff:ffff::1')).toBe(true);
      expect(ipAllowed(rules, '2001:db9::1')).toBe(false);
      expect(ipAllowed(rules, '10.0.0.1')).toBe(false);
    });

    it('IPv4-mapped IPv6 clients match IPv4 rules', () => {
      expect(ipAllowed(['10.0.0.0/8'], '::ffff:10.9.8.7')).toBe(true);
      expect(ipAllowed(['10.0.0.0/8'], '::ffff:11.9.8.7')).toBe(false);
    });

    it('mixed v4 and v6 rules: any match allows', () => {
      const rules = ['10.0.0.0/8', '2001:db8::/32', '192.0.2.9'];
      expect(ipAllowed(rules, '10.0.0.1')).toBe(true);
      expect(ipAllowed(rules, '2001:db8::5')).toBe(true);
      expect(ipAllowed(rules, '192.0.2.9')).toBe(true);
      expect(ipAllowed(rules, '192.0.2.10')).toBe(false);
      expect(ipAllowed(rules, '::1')).toBe(false);
    });

    it('/0 blocks cover their whole family only', () => {
      expect(ipAllowed(['0.0.0.0/0'], '203.0.113.1')).toBe(true);
      expect(ipAllowed(['0.0.0.0/0'], '2001:db8::1')).toBe(false);
      expect(ipAllowed(['::/0'], '2001:db8::1')).toBe(true);
    });

    it('fails closed when rules exist and the client ip is missing or not an address', () => {
      const rules = ['0.0.0.0/0', '::/0'];
      expect(ipAllowed(rules, undefined)).toBe(false);
      expect(ipAllowed(rules, '')).toBe(false);
      expect(ipAllowed(rules, 'garbage')).toBe(false);
      expect(ipAllowed(rules, '10.0.0')).toBe(false);
    });

    it('each rule set is matched on its own (no cross-talk through the compiled cache)', () => {
      expect(ipAllowed(['10.0.0.0/8'], '10.0.0.1')).toBe(true);
      expect(ipAllowed(['11.0.0.0/8'], '10.0.0.1')).toBe(false);
      expect(ipAllowed(['10.0.0.0/8', '11.0.0.0/8'], '11.0.0.1')).toBe(true);
      expect(ipAllowed(['10.0.0.0/8'], '11.0.0.1')).toBe(false);
    });
  });

  describe('families (SPEC §11)', () => {
    it('::/0 and other IPv6 rules admit IPv6 clients only, never an IPv4 client', () => {
      expect(ipAllowed(['::/0'], '10.1.2.3')).toBe(false);
      expect(ipAllowed(['::/0'], '::ffff:10.1.2.3')).toBe(false);
      expect(ipAllowed(['::/0'], '2001:db8::1')).toBe(true);
      expect(ipAllowed(['::/1'], '1.2.3.4')).toBe(false);
      expect(ipAllowed(['::/95'], '1.2.3.4')).toBe(false);
    });

    it('IPv4-mapped rules admit the IPv4 clients they denote', () => {
      expect(ipAllowed(['::ffff:0:0/96'], '1.2.3.4')).toBe(true);
      expect(ipAllowed(['::ffff:10.0.0.0/104'], '10.9.9.9')).toBe(true);
      expect(ipAllowed(['::ffff:10.0.0.0/104'], '11.0.0.1')).toBe(false);
      expect(ipAllowed(['::ffff:10.1.2.3'], '10.1.2.3')).toBe(true);
      expect(ipAllowed(['::ffff:a01:203'], '10.1.2.3')).toBe(true);
    });

    it('IPv4 rules never admit IPv6 clients', () => {
      expect(ipAllowed(['0.0.0.0/0'], '2001:db8::1')).toBe(false);
      expect(ipAllowed(['0.0.0.0/0'], '::1')).toBe(false);
    });

    it('reads the hexadecimal mapped form of an IPv4 client as IPv4', () => {
      expect(normalizeIp('::ffff:a01:203')).toBe('10.1.2.3');
      expect(normalizeIp('0:0:0:0:0:ffff:10.1.2.3')).toBe('10.1.2.3');
      expect(ipAllowed(['10.0.0.0/8'], '::ffff:a01:203')).toBe(true);
    });
  });

  describe('clientBlockOf', () => {
    it('reads each rule as the block of clients it admits, IPv4-mapped rules as IPv4', () => {
      expect(clientBlockOf('10.1.2.3')).toEqual({ family: 'ipv4', address: '10.1.2.3', bits: 32 });
      expect(clientBlockOf('10.0.0.0/8')).toEqual({ family: 'ipv4', address: '10.0.0.0', bits: 8 });
      expect(clientBlockOf('::ffff:10.0.0.0/104')).toEqual({ family: 'ipv4', address: '10.0.0.0', bits: 8 });
      expect(clientBlockOf('::ffff:a01:203')).toEqual({ family: 'ipv4', address: '10.1.2.3', bits: 32 });
      expect(clientBlockOf('::/0')).toEqual({ family: 'ipv6', address: '::', bits: 0 });
      expect(clientBlockOf('::ffff:0:0/95')).toEqual({ family: 'ipv6', address: '::ffff:0:0', bits: 95 });
      expect(clientBlockOf('fe80::1%eth0')).toEqual({ family: 'ipv6', address: 'fe80::1', bits: 128 });
    });
  });

  describe('ruleOutside (does one allow-list only narrow another?)', () => {
    it('anything narrows an empty list (it admits everyone); an empty list narrows only an empty one', () => {
      expect(ruleOutside([], [])).toBeNull();
      expect(ruleOutside(['::/0', '0.0.0.0/0'], [])).toBeNull();
      expect(ruleOutside([], ['10.0.0.0/8'])).toBe('*');
    });

    it.each([
      [['10.1.0.0/16'], ['10.0.0.0/8']],
      [['10.0.0.0/8'], ['10.0.0.0/8']],
      [['10.2.3.4'], ['10.0.0.0/8']],
      [['10.2.3.4/32'], ['10.2.3.4']],
      [['10.1.2.3/8'], ['10.0.0.0/8']], // host bits set: the same block
      [
        ['10.1.0.0/16', '192.0.2.7'],
        ['192.0.2.0/24', '10.0.0.0/8'],
      ],
      [['10.1.0.0/16'], ['::ffff:10.0.0.0/104']],
      [['::ffff:10.1.0.0/112'], ['10.0.0.0/8']],
      [['::ffff:a01:0/112'], ['10.0.0.0/8']],
      [['0:0:0:0:0:ffff:10.1.2.3'], ['10.1.2.0/24']],
      [['2001:db8:1::/48'], ['2001:db8::/32']],
      [['2001:DB8::1'], ['2001:db8::/32']],
      [['fe80::1%eth0'], ['fe80::/10']],
      [['2001:db8::/32'], ['::/0']],
    ])('%p narrows %p', (rules, outer) => {
      expect(ruleOutside(rules, outer)).toBeNull();
    });

    it.each([
      [['10.0.0.0/8'], ['10.0.0.0/16'], '10.0.0.0/8'],
      [['11.0.0.1'], ['10.0.0.0/8'], '11.0.0.1'],
      [['0.0.0.0/0'], ['10.0.0.0/8'], '0.0.0.0/0'],
      [['10.1.0.0/16', '172.16.0.1'], ['10.0.0.0/8'], '172.16.0.1'],
      [['10.0.0.1'], ['::/0'], '10.0.0.1'], // ::/0 admits no IPv4 client (SPEC §11)
      [['::ffff:10.0.0.1'], ['::/0'], '::ffff:10.0.0.1'], // a mapped rule is an IPv4 rule
      [['::ffff:10.0.0.0/104'], ['10.1.0.0/16'], '::ffff:10.0.0.0/104'],
      [['2001:db8::/32'], ['0.0.0.0/0'], '2001:db8::/32'],
      [['::/0'], ['2001:db8::/32'], '::/0'],
      [['2001:db9::/32'], ['2001:db8::/32'], '2001:db9::/32'],
      [['2001:db8::/31'], ['2001:db8::/32'], '2001:db8::/31'],
      [['10.0.0.0/8'], ['10.0.0.0/9', '10.128.0.0/9'], '10.0.0.0/8'], // each rule must lie inside one
    ])('%p is not within %p (answers %p)', (rules, outer, outside) => {
      expect(ruleOutside(rules, outer)).toBe(outside);
    });

    it('agrees with ipAllowed: every client a narrowing list admits, the outer list admits too', () => {
      const outer = ['10.0.0.0/8', '::ffff:192.0.2.0/120', '2001:db8::/32'];
      const inner = ['10.200.0.0/16', '192.0.2.128/25', '2001:db8:ff00::/40'];
      expect(ruleOutside(inner, outer)).toBeNull();
      const clients = ['10.200.0.0', '10.200.255.255', '192.0.2.128', '::ffff:192.0.2.255', '2001:db8:ff00::', '2001:db8:ffff:ffff::1'];
      for (const client of clients)
        expect({ client, inner: ipAllowed(inner, client), outer: ipAllowed(outer, client) }).toEqual({ client, inner: true, outer: true });
      for (const client of ['10.199.255.255', '192.0.2.127', '2001:db8:fe00::1']) expect(ipAllowed(inner, client)).toBe(false);
    });
  });

  describe('trackerOf (brute-force client)', () => {
    it('counts IPv6 clients by their /64 and IPv4 clients by address', () => {
      expect(trackerOf('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
      expect(trackerOf('2001:db8:1:2:ffff::1')).toBe('2001:db8:1:2::/64');
      expect(trackerOf('2001:DB8:1:2::9')).toBe('2001:db8:1:2::/64');
      expect(trackerOf('2001:db8:1:3::9')).toBe('2001:db8:1:3::/64');
      expect(trackerOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
      expect(trackerOf('::ffff:1.2.3.4')).toBe('1.2.3.4');
      expect(trackerOf('1.2.3.4')).toBe('1.2.3.4');
    });

    it('a request without an address is one shared client, never unthrottled', () => {
      expect(trackerOf(undefined)).toBe('unknown');
      expect(trackerOf('')).toBe('unknown');
      expect(trackerOf('  ')).toBe('unknown');
    });
  });
});
