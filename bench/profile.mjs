// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function, self time
// per area (the library, TypeORM, the SQLite/PostgreSQL driver, Nest, the HTTP stack, Node
// internals, GC), and inclusive time of the library's own functions.
//
//   node bench/profile.mjs path/to/file.cpuprofile
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function areaOf(url, name) {
  if (!url) {
    if (name === '(garbage collector)') return 'GC';
    if (name === '(idle)') return 'idle';
    if (name === '(program)') return '(program: native, not attributed)';
    return 'native / V8 builtins';
  }
  if (url.includes('/dist/')) return 'nest-api-keys (dist)';
  const match = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g);
  if (match) {
    const pkg = match[match.length - 1].replace('node_modules/', '');
    if (pkg.startsWith('@nestjs/')) return pkg;
    return pkg;
  }
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

export function summarizeProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map(); // node id → µs
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const label = (n) => {
    const { functionName, url, lineNumber } = n.callFrame;
    return {
      name: functionName || '(anonymous)',
      where: url ? `${url.replace(/^.*?(node_modules\/|\/dist\/)/, '$1')}:${lineNumber + 1}` : '',
    };
  };

  // The profiler's own start/stop (`Session.post` from node:inspector, as bench/app.mjs calls it)
  // is the harness, not the server: its sample can carry the whole gap before it (a second or
  // more on a busy box), so it is left out of the busy time.
  const underInspector = (id) => {
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) if (byId.get(cur).callFrame.url === 'node:inspector') return true;
    return false;
  };

  let busy = 0;
  const functions = new Map();
  const groups = new Map();
  const inclusive = new Map();
  for (const [id, us] of self) {
    const node = byId.get(id);
    const { name, where } = label(node);
    const area = areaOf(node.callFrame.url, name);
    if (area === 'idle' || underInspector(id)) continue;
    busy += us;
    const key = `${name} ${where}`;
    const f = functions.get(key) ?? { name, where, area, us: 0 };
    f.us += us;
    functions.set(key, f);
    groups.set(area, (groups.get(area) ?? 0) + us);
    // Inclusive time of library functions: every distinct library frame on the stack.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur);
      if (!frame.callFrame.url.includes('/dist/')) continue;
      const l = label(frame);
      const k = `${l.name} ${l.where}`;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, { ...l, us: (inclusive.get(k)?.us ?? 0) + us });
    }
  }
  const pct = (us) => (100 * us) / busy;
  return {
    file,
    busyMs: busy / 1000,
    functions: [...functions.values()].sort((a, b) => b.us - a.us).map((f) => ({ ...f, percent: pct(f.us) })),
    groups: [...groups.entries()].sort((a, b) => b[1] - a[1]).map(([group, us]) => ({ group, percent: pct(us) })),
    library: [...inclusive.values()].sort((a, b) => b.us - a.us).map((f) => ({ ...f, percent: pct(f.us) })),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const summary = summarizeProfile(process.argv[2]);
  console.log(`busy ${summary.busyMs.toFixed(0)} ms\n\ntop self time:`);
  for (const f of summary.functions.slice(0, 25)) console.log(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`);
  console.log('\nself time by area:');
  for (const g of summary.groups) console.log(`  ${g.percent.toFixed(1).padStart(5)}%  ${g.group}`);
  console.log('\ninclusive time of library functions:');
  for (const f of summary.library.slice(0, 20)) console.log(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`);
}
