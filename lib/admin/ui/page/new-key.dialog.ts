import type { IssuedKey } from './api-types.js';
import { h } from './dom.js';
import { openDialog } from './dialog.js';
import { keyName } from './format.js';

/**
 * Shows a raw key the one time the API answers it (create, rotate). The key lives only in
 * this dialog's DOM: it is never written to storage or the URL, and it leaves the page when
 * the dialog closes.
 */
export function showNewKey(issued: IssuedKey, heading: string): void {
  openDialog(heading, ({ body, close }) => {
    const status = h('p', { class: 'hint', role: 'status' });
    const code = h('code', { class: 'new-key__value', 'data-testid': 'new-key' }, issued.key);
    const copy = h(
      'button',
      {
        type: 'button',
        class: 'button button--primary',
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(issued.key);
            status.textContent = 'Copied to the clipboard.';
          } catch {
            // No clipboard access (permissions, insecure context): select it for Ctrl+C.
            window.getSelection()?.selectAllChildren(code);
            status.textContent = 'Copying is blocked here: the key is selected, press Ctrl+C (⌘C) to copy it.';
          }
        },
      },
      'Copy',
    );
    body.append(
      h('p', { class: 'warning' }, h('strong', {}, 'Copy this key now. '), 'It will not be shown again: only its hash is stored.'),
      h('p', { class: 'hint' }, `Key “${keyName(issued.apiKey)}” for owner ${issued.apiKey.ownerId}`),
      h('div', { class: 'new-key' }, code, copy),
      status,
      h('div', { class: 'dialog__actions' }, h('button', { type: 'button', class: 'button', onclick: () => close() }, 'Done')),
    );
    return { initialFocus: copy };
  });
}
