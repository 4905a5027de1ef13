import type { VerificationLogEntry } from './api-types.js';
import { asyncPanel } from './async-panel.js';
import { h } from './dom.js';
import { formatDate, keyName } from './format.js';
import type { KeyPanel } from './key-panel.js';
import { pagedRecords, type Cell } from './records-table.js';

const PAGE_SIZE = 10;
const COLUMNS = ['Time', 'Outcome', 'Credits', 'Tags', 'Address'] as const;

/** A code that may wrap after its underscores on a narrow screen: INSUFFICIENT_<wbr>PERMISSIONS. */
function breakable(code: string): Array<Node | string> {
  return code.split('_').flatMap((part, i) => (i === 0 ? [part] : ['_', h('wbr'), part]));
}

function cells(entry: VerificationLogEntry): Cell[] {
  return [
    h('time', { datetime: entry.at }, formatDate(entry.at, '')),
    h('span', { class: `outcome ${entry.code === 'VALID' ? 'outcome--valid' : 'outcome--rejected'}` }, ...breakable(entry.code)),
    entry.cost.toLocaleString(),
    entry.tags?.length ? h('span', { class: 'tags' }, ...entry.tags.map((tag) => h('code', { class: 'tag' }, tag))) : 'none',
    entry.ip ? h('code', {}, entry.ip) : 'none',
  ];
}

/** The key's newest verifications (the server keeps the latest 100), a page at a time. */
export const verificationsPanel: KeyPanel = {
  title: 'Recent verifications',
  render(key, services) {
    return asyncPanel('recent verifications', services, async () => {
      const page = await services.api.keyVerifications(key.id, { limit: PAGE_SIZE });
      if (page.items.length === 0) {
        return [h('p', { class: 'hint', 'data-testid': 'verifications-empty' }, 'No verifications of this key yet.')];
      }
      const records = pagedRecords({
        name: `Recent verifications of ${keyName(key)}`,
        columns: COLUMNS,
        testId: 'verifications',
        cells,
        first: page,
        olderLabel: 'Show older verifications',
        load: (cursor) => services.api.keyVerifications(key.id, { limit: PAGE_SIZE, cursor }),
        onError: (message) => services.showError(message),
      });
      return [h('p', { class: 'hint' }, 'Newest first; times in your time zone.'), ...records];
    });
  },
};
