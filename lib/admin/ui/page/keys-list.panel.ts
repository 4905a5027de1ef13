import { KEY_STATUSES, type KeyStatus, type WireApiKey } from './api-types.js';
import { openCreateKeyDialog } from './create-key.dialog.js';
import { h, replace, uniqueId } from './dom.js';
import { formatCredits, formatDate, keyHint, keyName, STATUS_LABELS } from './format.js';
import { keyActions } from './key-actions.js';
import { showNewKey } from './new-key.dialog.js';
import type { PageServices } from './page-services.js';

const PAGE_SIZE = 20;
const COLUMNS = ['Name', 'Key', 'Status', 'Owner', 'Created', 'Last used', 'Expires', 'Credits', 'Actions'] as const;

/**
 * The key list: a status filter (and an owner filter in root mode), pages through the API's
 * cursor, one `data-testid="key-row"` row per key, and "Create key".
 */
export class KeysListPanel {
  readonly element: HTMLElement;
  private readonly body = h('tbody');
  private readonly table: HTMLTableElement;
  private readonly pageLabel = h('span', { class: 'pager__label' });
  private readonly previous: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private status: KeyStatus | '' = '';
  private ownerId = '';
  /** cursors[i] opens page i; the first page has none. */
  private cursors: Array<string | undefined> = [undefined];
  private page = 0;
  private nextCursor: string | null = null;

  constructor(private readonly services: PageServices) {
    const titleId = uniqueId('keys-title');
    this.previous = h('button', { type: 'button', class: 'button', onclick: () => this.go(this.page - 1) }, 'Previous page');
    this.next = h('button', { type: 'button', class: 'button', onclick: () => this.go(this.page + 1) }, 'Next page');
    this.table = h(
      'table',
      { class: 'keys', 'aria-labelledby': titleId },
      h('thead', {}, h('tr', {}, ...COLUMNS.map((column) => h('th', { scope: 'col' }, column)))),
      this.body,
    );
    this.element = h(
      'section',
      { class: 'panel', 'aria-labelledby': titleId },
      h(
        'div',
        { class: 'panel__header' },
        h('h2', { id: titleId }, services.context.ownerId === null ? 'Keys' : `Keys of ${services.context.ownerId}`),
        h('button', { type: 'button', class: 'button button--primary', onclick: () => this.create() }, 'Create key'),
      ),
      this.filters(),
      h('div', { class: 'table-scroll' }, this.table),
      h('nav', { class: 'pager', 'aria-label': 'Pages of keys' }, this.previous, this.pageLabel, this.next),
    );
  }

  /** Loads the current page again (after a change). */
  async reload(): Promise<void> {
    this.table.setAttribute('aria-busy', 'true');
    try {
      const page = await this.services.api.listKeys({
        status: this.status || undefined,
        ownerId: this.ownerId || undefined,
        cursor: this.cursors[this.page],
        limit: PAGE_SIZE,
      });
      this.nextCursor = page.nextCursor;
      this.render(page.items);
    } catch (error) {
      this.services.showError((error as Error).message);
    } finally {
      this.table.removeAttribute('aria-busy');
    }
  }

  private filters(): HTMLElement {
    const statusId = uniqueId('status-filter');
    const status = h(
      'select',
      {
        id: statusId,
        onchange: () => {
          this.status = status.value as KeyStatus | '';
          this.first();
        },
      },
      h('option', { value: '' }, 'All'),
      ...KEY_STATUSES.map((s) => h('option', { value: s }, STATUS_LABELS[s])),
    );
    const parts: HTMLElement[] = [h('div', { class: 'field field--inline' }, h('label', { for: statusId }, 'Status'), status)];
    if (this.services.context.ownerId === null) {
      const ownerId = uniqueId('owner-filter');
      const owner = h('input', { id: ownerId, type: 'search', maxlength: 128, autocomplete: 'off', placeholder: 'any owner' });
      const form = h(
        'form',
        {
          class: 'field field--inline',
          role: 'search',
          onsubmit: (event: Event) => {
            event.preventDefault();
            this.ownerId = owner.value;
            this.first();
          },
        },
        h('label', { for: ownerId }, 'Owner'),
        owner,
        h('button', { type: 'submit', class: 'button' }, 'Filter'),
      );
      parts.push(form);
    }
    return h('div', { class: 'filters' }, ...parts);
  }

  private first(): void {
    this.cursors = [undefined];
    void this.go(0);
  }

  private async go(page: number): Promise<void> {
    if (page < 0) return;
    if (page > this.page) {
      if (!this.nextCursor) return;
      this.cursors[page] = this.nextCursor;
    }
    this.page = page;
    await this.reload();
  }

  private create(): void {
    openCreateKeyDialog(this.services.api, this.services.context, (issued) => {
      showNewKey(issued, 'Your new key');
      this.services.changed(`Key ${keyName(issued.apiKey)} created.`);
    });
  }

  private render(keys: WireApiKey[]): void {
    if (keys.length === 0) {
      replace(this.body, h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'empty' }, 'No keys match.')));
    } else {
      replace(this.body, ...keys.map((key) => this.row(key)));
    }
    this.previous.disabled = this.page === 0;
    this.next.disabled = this.nextCursor === null;
    this.pageLabel.textContent = `Page ${this.page + 1}`;
  }

  private row(key: WireApiKey): HTMLTableRowElement {
    const cells: Array<Node | string> = [
      h(
        'button',
        { type: 'button', class: 'link', 'aria-label': `Details of ${keyName(key)}`, onclick: () => this.services.openDetails(key) },
        keyName(key),
      ),
      h('code', {}, keyHint(key)),
      h('span', { class: `status status--${key.status}` }, STATUS_LABELS[key.status]),
      key.ownerId,
      h('time', { datetime: key.createdAt }, formatDate(key.createdAt, '')),
      key.lastUsedAt ? h('time', { datetime: key.lastUsedAt }, formatDate(key.lastUsedAt, '')) : 'never',
      key.expiresAt ? h('time', { datetime: key.expiresAt }, formatDate(key.expiresAt, '')) : 'never',
      formatCredits(key),
      keyActions(this.services, key),
    ];
    return h(
      'tr',
      { 'data-testid': 'key-row', 'data-key-id': key.id },
      // data-label lets the narrow layout show each cell as "Label: value".
      ...cells.map((cell, i) => h(i === 0 ? 'th' : 'td', { 'data-label': COLUMNS[i], ...(i === 0 ? { scope: 'row' } : {}) }, cell)),
    );
  }
}
