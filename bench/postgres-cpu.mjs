// CPU time of the PostgreSQL server processes on this machine (backends, autovacuum, the
// checkpointer, …), read from /proc: what a bench's statements cost the server, beside what
// they cost Node.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 1e6 / 100; // USER_HZ: /proc/<pid>/stat counts in 1/100 s

/** utime + stime of each `postgres` process, in µs, by pid. */
export function postgresCpuByPid() {
  const spent = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // the process ended while being read
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
    const fields = stat.slice(close + 2).split(' '); // fields[0] is field 3 (state)
    spent.set(pid, (Number(fields[11]) + Number(fields[12])) * TICK_US); // utime (14), stime (15)
  }
  return spent;
}

/** What the postgres processes alive at `after` spent since `before` (one that exited meanwhile is lost, not negative). */
export function postgresCpuSince(before, after = postgresCpuByPid()) {
  let us = 0;
  for (const [pid, spent] of after) us += spent - (before.get(pid) ?? 0);
  return us;
}
