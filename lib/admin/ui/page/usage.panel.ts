import type { UsageBucket, UsageGranularity, UsageSeries } from './api-types.js';
import { asyncPanel } from './async-panel.js';
import { h, svg, uniqueId } from './dom.js';
import { formatBucket, plural } from './format.js';
import type { KeyPanel } from './key-panel.js';

interface Totals {
  total: number;
  valid: number;
  rejected: number;
  spent: number;
  byCode: Map<string, number>;
}

/** The two periods the panel shows; the server picks their bounds (up to its now). */
const PERIODS: ReadonlyArray<{ granularity: UsageGranularity; title: string; unit: string }> = [
  { granularity: 'hour', title: 'Last 24 hours', unit: 'hour' },
  { granularity: 'day', title: 'Last 30 days', unit: 'day' },
];

function totalsOf(series: UsageSeries): Totals {
  const totals: Totals = { total: 0, valid: 0, rejected: 0, spent: 0, byCode: new Map() };
  for (const bucket of series.buckets) {
    totals.total += bucket.total;
    totals.valid += bucket.valid;
    totals.spent += bucket.spent;
    for (const [code, count] of Object.entries(bucket.byCode)) totals.byCode.set(code, (totals.byCode.get(code) ?? 0) + count);
  }
  totals.rejected = totals.total - totals.valid;
  return totals;
}

function describe(totals: Totals): string {
  return `${plural(totals.total, 'verification')}: ${totals.valid.toLocaleString()} valid, ${totals.rejected.toLocaleString()} rejected, ${plural(totals.spent, 'credit')} spent`;
}

function bucketText(bucket: UsageBucket, granularity: UsageGranularity): string {
  const rejected = bucket.total - bucket.valid;
  return `${formatBucket(bucket.at, granularity)} UTC: ${bucket.valid} valid, ${rejected} rejected, ${plural(bucket.spent, 'credit')} spent`;
}

// Chart geometry in viewBox units; the SVG stretches to its box's width (admin-page.css).
const COLUMN = 10;
const BAR = 8;
const HEIGHT = 100;

/** Stacked bars (valid below, rejected above) of one series, an image named by its totals. */
function chart(series: UsageSeries, title: string, unit: string, totals: Totals): HTMLElement {
  const { buckets, granularity } = series;
  const peak = Math.max(1, ...buckets.map((b) => b.total));
  const scale = (count: number) => (count === 0 ? 0 : Math.max(1.5, (count / peak) * (HEIGHT - 2)));
  const width = Math.max(1, buckets.length) * COLUMN;
  const columns = buckets.map((bucket, i) => {
    const x = i * COLUMN + (COLUMN - BAR) / 2;
    const valid = scale(bucket.valid);
    const rejected = scale(bucket.total - bucket.valid);
    return svg(
      'g',
      { class: 'chart__column' },
      svg('title', {}, bucketText(bucket, granularity)),
      svg('rect', { class: 'chart__hit', x: i * COLUMN, y: 0, width: COLUMN, height: HEIGHT }),
      valid > 0 && svg('rect', { class: 'chart__valid', x, y: HEIGHT - valid, width: BAR, height: valid }),
      rejected > 0 && svg('rect', { class: 'chart__rejected', x, y: HEIGHT - valid - rejected, width: BAR, height: rejected }),
    );
  });
  const image = svg(
    'svg',
    {
      class: 'chart__svg',
      viewBox: `0 0 ${width} ${HEIGHT}`,
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': `${title}, per ${unit}: ${describe(totals)}`,
      'data-testid': `usage-chart-${granularity}`,
    },
    svg('line', { class: 'chart__grid', x1: 0, y1: 0.5, x2: width, y2: 0.5, 'vector-effect': 'non-scaling-stroke' }),
    svg('line', { class: 'chart__axis', x1: 0, y1: HEIGHT, x2: width, y2: HEIGHT, 'vector-effect': 'non-scaling-stroke' }),
    ...columns,
  );
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  return h(
    'figure',
    { class: 'chart' },
    h(
      'figcaption',
      { class: 'chart__caption' },
      `${title}, per ${unit} (UTC)`,
      h('span', { class: 'chart__peak' }, `peak ${peak.toLocaleString()}`),
    ),
    h('div', { class: 'chart__plot' }, image),
    first &&
      h(
        'div',
        { class: 'chart__range', 'aria-hidden': 'true' },
        h('span', {}, formatBucket(first.at, granularity)),
        h('span', {}, formatBucket(last.at, granularity)),
      ),
    numbers(series, unit),
  );
}

/** The chart's numbers as a table, busy buckets only, behind a disclosure. */
function numbers(series: UsageSeries, unit: string): HTMLElement {
  const busy = series.buckets.filter((bucket) => bucket.total > 0);
  const summaryId = uniqueId('numbers');
  return h(
    'details',
    { class: 'chart__numbers' },
    h('summary', { id: summaryId }, `Numbers per ${unit}`),
    busy.length === 0
      ? h('p', { class: 'hint' }, `No verifications in this period.`)
      : h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'numbers', 'aria-labelledby': summaryId },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...[`${unit[0].toUpperCase()}${unit.slice(1)} (UTC)`, 'Valid', 'Rejected', 'Credits'].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              ...busy.map((bucket) =>
                h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, h('time', { datetime: bucket.at }, formatBucket(bucket.at, series.granularity))),
                  h('td', {}, bucket.valid.toLocaleString()),
                  h('td', {}, (bucket.total - bucket.valid).toLocaleString()),
                  h('td', {}, bucket.spent.toLocaleString()),
                ),
              ),
            ),
          ),
        ),
  );
}

/** Valid against rejected verifications and the credits spent, per period: the charts' text version. */
function summary(rows: Array<{ title: string; totals: Totals }>, labelId: string): HTMLElement {
  const columns = ['Period', 'Total', 'Valid', 'Rejected', 'Credits spent'];
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'numbers usage-summary', 'aria-labelledby': labelId, 'data-testid': 'usage-summary' },
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
      h(
        'tbody',
        {},
        ...rows.map(({ title, totals }) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, title),
            ...[totals.total, totals.valid, totals.rejected, totals.spent].map((n) => h('td', {}, n.toLocaleString())),
          ),
        ),
      ),
    ),
  );
}

/** Rejections by outcome code over the longer period, e.g. "INSUFFICIENT_PERMISSIONS 2". */
function rejections(totals: Totals): HTMLElement | null {
  const codes = [...totals.byCode].filter(([code]) => code !== 'VALID');
  if (codes.length === 0) return null;
  return h(
    'p',
    { class: 'hint usage-codes' },
    'Rejected in the last 30 days: ',
    ...codes.flatMap(([code, count], i) => [i > 0 ? ', ' : '', h('code', {}, code), ` ${count.toLocaleString()}`]),
  );
}

/** The key's verifications: the last 24 hours by hour and the last 30 days by day, with credits spent. */
export const usagePanel: KeyPanel = {
  title: 'Usage',
  render(key, services) {
    return asyncPanel('usage', services, async () => {
      const series = await Promise.all(PERIODS.map((period) => services.api.keyUsage(key.id, period.granularity)));
      const periods = PERIODS.map((period, i) => ({ ...period, series: series[i], totals: totalsOf(series[i]) }));
      if (periods.every((period) => period.totals.total === 0)) {
        return [h('p', { class: 'hint', 'data-testid': 'usage-empty' }, 'No verifications of this key in the last 30 days.')];
      }
      const summaryLabel = uniqueId('usage-summary');
      return [
        h('p', { id: summaryLabel, class: 'visually-hidden' }, 'Verifications of this key per period'),
        summary(periods, summaryLabel),
        rejections(periods[periods.length - 1].totals),
        h(
          'ul',
          { class: 'chart-legend', 'aria-hidden': 'true' },
          h('li', {}, h('span', { class: 'chart-legend__swatch chart-legend__swatch--valid' }), 'Valid'),
          h('li', {}, h('span', { class: 'chart-legend__swatch chart-legend__swatch--rejected' }), 'Rejected'),
        ),
        h('div', { class: 'charts' }, ...periods.map((period) => chart(period.series, period.title, period.unit, period.totals))),
      ].filter((node): node is HTMLElement => node !== null);
    });
  },
};
