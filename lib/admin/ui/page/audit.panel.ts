import type { AuditEvent } from './api-types.js';
import { asyncPanel } from './async-panel.js';
import { h } from './dom.js';
import { formatDate, keyName } from './format.js';
import type { KeyPanel } from './key-panel.js';
import { pagedRecords, type Cell } from './records-table.js';

const PAGE_SIZE = 10;
const COLUMNS = ['Time', 'Action', 'Actor', 'Address', 'Details'] as const;

function cells(event: AuditEvent): Cell[] {
  const details = event.details && Object.keys(event.details).length > 0 ? JSON.stringify(event.details) : null;
  return [
    h('time', { datetime: event.at }, formatDate(event.at, '')),
    h('code', {}, event.action),
    event.actorId,
    event.ip ? h('code', {}, event.ip) : 'none',
    details ? h('code', { class: 'audit-details' }, details) : 'none',
  ];
}

/** Who changed the key, when, from where and how (`GET audit-events?keyId=`), newest first. */
export const auditPanel: KeyPanel = {
  title: 'Audit events',
  render(key, services) {
    return asyncPanel('audit events', services, async () => {
      const page = await services.api.auditEvents({ keyId: key.id, limit: PAGE_SIZE });
      if (page.items.length === 0) {
        return [h('p', { class: 'hint', 'data-testid': 'audit-empty' }, 'No audit events for this key.')];
      }
      const records = pagedRecords({
        name: `Audit events of ${keyName(key)}`,
        columns: COLUMNS,
        testId: 'audit-events',
        cells,
        first: page,
        olderLabel: 'Show older events',
        load: (cursor) => services.api.auditEvents({ keyId: key.id, limit: PAGE_SIZE, cursor }),
        onError: (message) => services.showError(message),
      });
      return [h('p', { class: 'hint' }, 'Changes to this key, newest first.'), ...records];
    });
  },
};
