import { h } from './dom.js';

export type Cell = Node | string;

/**
 * A table of records (verifications, audit events) named `name` for screen readers. Each cell carries
 * its column in `data-label`, so narrow screens show every row as a card of "Label value"
 * lines (admin-page.css). `add` appends rows (for "Show older").
 */
export function recordsTable(
  name: string,
  columns: readonly string[],
  testId: string,
): { table: HTMLTableElement; add(rows: Cell[][]): void } {
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'records', 'aria-label': name, 'data-testid': testId },
    h('thead', {}, h('tr', {}, ...columns.map((column) => h('th', { scope: 'col' }, column)))),
    body,
  );
  return {
    table,
    add(rows) {
      for (const cells of rows) body.append(h('tr', {}, ...cells.map((cell, i) => h('td', { 'data-label': columns[i] }, cell))));
    },
  };
}

/** A "Show older" button that loads the next page of a cursor-paged list until there is none. */
export function olderButton(label: string, onMore: () => Promise<void>, onError: (message: string) => void): HTMLButtonElement {
  const button: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      class: 'button button--small records__more',
      onclick: async () => {
        button.disabled = true;
        try {
          await onMore();
        } catch (error) {
          onError((error as Error).message);
        } finally {
          button.disabled = false;
        }
      },
    },
    label,
  );
  return button;
}

/** A page of a cursor-paged list, as the admin API answers it. */
export interface RecordsPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A records table holding `first`, and a "Show older" button (`olderLabel`) that appends the
 * next pages through `load(cursor)` until the last; both as they go into a panel.
 */
export function pagedRecords<T>(options: {
  name: string;
  columns: readonly string[];
  testId: string;
  cells: (item: T) => Cell[];
  first: RecordsPage<T>;
  olderLabel: string;
  load: (cursor: string) => Promise<RecordsPage<T>>;
  onError: (message: string) => void;
}): HTMLElement[] {
  const { table, add } = recordsTable(options.name, options.columns, options.testId);
  add(options.first.items.map(options.cells));
  let cursor = options.first.nextCursor;
  const more = olderButton(
    options.olderLabel,
    async () => {
      const next = await options.load(cursor!);
      add(next.items.map(options.cells));
      cursor = next.nextCursor;
      more.hidden = cursor === null;
    },
    options.onError,
  );
  more.hidden = cursor === null;
  return [h('div', { class: 'table-scroll' }, table), more];
}
