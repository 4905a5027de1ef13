// An SVG bar chart of the ratios to bare that bench/run.mjs writes with --json: one group of
// bars per platform / database / cache (and stored keys, verification log when not the
// default), one bar per guarded variant, the target of each bar drawn across it (the targets
// of the anchors: warm guarded ≥ 0.95× Express / 0.80× Fastify, cold guarded ≥ 0.50×, credits
// ≥ 0.35× SQLite / 0.20× PostgreSQL with the cache on), a bar's figure in red when it is under
// its target. No dependencies: plain string building.
//
//   node bench/chart.mjs [--out bench/results.svg] [--title "…"] results.json [more.json …]
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args, positionals: files } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: 'bench/results.svg' },
    title: { type: 'string' },
  },
});
if (files.length === 0) throw new Error('usage: node bench/chart.mjs [--out file.svg] [--title "…"] results.json [more.json …]');

const names = { express: 'Express', fastify: 'Fastify', sqlite: 'SQLite', postgres: 'PostgreSQL' };
const colors = { noop: '#9a9a9a', guarded: '#3b6fb6', credits: '#d08a2e', limited: '#5a9e5a' };
const labels = { noop: "the app's own guard (floor)", guarded: 'guarded', credits: 'guarded + credits', limited: 'guarded + rate limit' };

/** The target a bar is held to, or undefined when the anchors set none for it. */
function targetOf(table, variant) {
  if (variant === 'guarded' && table.cache === 'on') return table.platform === 'fastify' ? 0.8 : 0.95;
  if (variant === 'guarded' && table.cache === 'off') return 0.5;
  if (variant === 'credits' && table.cache === 'on') return table.db === 'postgres' ? 0.2 : 0.35;
  return undefined;
}

/** Known names first, in this order; others after them. */
const rank = (known, name) => (known.includes(name) ? known.indexOf(name) : known.length);

const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
const groups = [];
for (const run of runs) {
  for (const table of run.tables) {
    const bars = table.rows
      .filter((row) => row.variant !== 'bare' && row.ratio !== null)
      .map((row) => ({ variant: row.variant, ratio: row.ratio, target: targetOf(table, row.variant) }));
    if (bars.length === 0) continue;
    const extra = [];
    if (table.stored) extra.push(`${table.stored.toLocaleString('en')} stored`);
    if (run.verificationLog === 'off') extra.push('log off');
    groups.push({
      order: [
        rank(['express', 'fastify'], table.platform),
        rank(['sqlite', 'postgres'], table.db),
        table.cache === 'on' ? 0 : 1,
        run.verificationLog === 'off' ? 1 : 0,
        table.stored ?? 0,
      ],
      title: `${names[table.platform] ?? table.platform} · ${names[table.db] ?? table.db}`,
      subtitle: `cache ${table.cache}${extra.length ? `, ${extra.join(', ')}` : ''}`,
      load: table.load ? `load ${table.load.before.toFixed(1)}→${table.load.after.toFixed(1)}` : '',
      bars,
    });
  }
}
const compare = (a, b) => {
  for (let i = 0; i < a.order.length; i++) {
    if (a.order[i] < b.order[i]) return -1;
    if (a.order[i] > b.order[i]) return 1;
  }
  return 0;
};
groups.sort(compare);

const variants = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.variant)))];
const barWidth = 30;
const barGap = 4;
const groupGap = 44;
const groupWidth = variants.length * (barWidth + barGap) - barGap;
const left = 56;
const right = 20;
const top = 70;
const plotHeight = 300;
const bottom = 70;
const width = left + groups.length * (groupWidth + groupGap) + right;
const height = top + plotHeight + bottom;
const maxRatio = Math.max(1.1, Math.ceil(Math.max(...groups.flatMap((g) => g.bars.map((b) => b.ratio))) * 10) / 10);
const y = (ratio) => top + plotHeight - (ratio / maxRatio) * plotHeight;
const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const svg = [];
svg.push(
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
);
svg.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
const first = runs[0];
const title =
  args.title ??
  `Guarded routes as a ratio to the bare route (median of ${first.runs} × ${first.duration} s, autocannon -c ${first.connections})`;
svg.push(`<text x="${left}" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`);
// Legend: one swatch per variant, then the target marker.
let lx = left;
for (const variant of variants) {
  svg.push(`<rect x="${lx}" y="34" width="12" height="12" fill="${colors[variant] ?? '#888'}"/>`);
  svg.push(`<text x="${lx + 16}" y="44">${escape(labels[variant] ?? variant)}</text>`);
  lx += 30 + (labels[variant] ?? variant).length * 6;
}
svg.push(`<line x1="${lx}" y1="40" x2="${lx + 22}" y2="40" stroke="#c0392b" stroke-width="2.5"/>`);
svg.push(`<text x="${lx + 27}" y="44">target (figure in red: under it)</text>`);
// Axis and grid.
for (let tick = 0; tick <= maxRatio + 1e-9; tick += 0.2) {
  const ty = y(tick);
  svg.push(`<line x1="${left}" y1="${ty}" x2="${width - right}" y2="${ty}" stroke="#e3e3e3"/>`);
  svg.push(`<text x="${left - 6}" y="${ty + 4}" text-anchor="end">${tick.toFixed(1)}×</text>`);
}
svg.push(`<line x1="${left}" y1="${y(1)}" x2="${width - right}" y2="${y(1)}" stroke="#555" stroke-dasharray="5 4"/>`);
svg.push(`<text x="${width - right}" y="${y(1) - 4}" text-anchor="end" fill="#555">bare = 1.0×</text>`);
svg.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotHeight}" stroke="#555"/>`);
svg.push(`<line x1="${left}" y1="${top + plotHeight}" x2="${width - right}" y2="${top + plotHeight}" stroke="#555"/>`);
// Bars.
groups.forEach((group, g) => {
  const gx = left + groupGap / 2 + g * (groupWidth + groupGap);
  for (const bar of group.bars) {
    const bx = gx + variants.indexOf(bar.variant) * (barWidth + barGap);
    const by = y(bar.ratio);
    const under = bar.target !== undefined && bar.ratio < bar.target;
    svg.push(
      `<rect x="${bx}" y="${by}" width="${barWidth}" height="${top + plotHeight - by}" fill="${colors[bar.variant] ?? '#888'}">` +
        `<title>${escape(`${group.title}, ${group.subtitle}: ${bar.variant} ${bar.ratio.toFixed(2)}×` + (bar.target ? ` (target ${bar.target}×)` : ''))}</title></rect>`,
    );
    svg.push(
      `<text x="${bx + barWidth / 2}" y="${by - 4}" text-anchor="middle" font-size="10" fill="${under ? '#c0392b' : '#222'}"` +
        `${under ? ' font-weight="bold"' : ''}>${bar.ratio.toFixed(2)}</text>`,
    );
    if (bar.target !== undefined) {
      const ty = y(bar.target);
      svg.push(`<line x1="${bx - 2}" y1="${ty}" x2="${bx + barWidth + 2}" y2="${ty}" stroke="#c0392b" stroke-width="2.5"/>`);
    }
  }
  const cx = gx + groupWidth / 2;
  svg.push(`<text x="${cx}" y="${top + plotHeight + 16}" text-anchor="middle" font-weight="bold">${escape(group.title)}</text>`);
  svg.push(`<text x="${cx}" y="${top + plotHeight + 30}" text-anchor="middle">${escape(group.subtitle)}</text>`);
  svg.push(`<text x="${cx}" y="${top + plotHeight + 44}" text-anchor="middle" fill="#777" font-size="10">${escape(group.load)}</text>`);
});
const sources = runs.map((run) => `${run.date.slice(0, 16).replace('T', ' ')} UTC, Node ${run.versions?.node ?? '?'}`);
svg.push(
  `<text x="${left}" y="${height - 8}" fill="#777" font-size="10">${escape(`${[...new Set(sources)].join('; ')}; ${first.machine}; load = 1-minute load average before → after each app's runs`)}</text>`,
);
svg.push('</svg>');
writeFileSync(args.out, `${svg.join('\n')}\n`);
console.log(`${args.out}: ${groups.length} groups, ${groups.reduce((n, g) => n + g.bars.length, 0)} bars`);
