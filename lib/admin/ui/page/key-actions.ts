import type { WireApiKey } from './api-types.js';
import { confirmDialog } from './dialog.js';
import { h } from './dom.js';
import { keyName } from './format.js';
import { showNewKey } from './new-key.dialog.js';
import type { PageServices } from './page-services.js';
import { openRotateKeyDialog } from './rotate-key.dialog.js';

/**
 * Rotate, disable/enable and revoke buttons for one key, each named after the key for
 * screen readers. A revoked key has none; a rotated one cannot be rotated again.
 */
export function keyActions(services: PageServices, key: WireApiKey): HTMLElement {
  const name = keyName(key);
  const run = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      services.changed(done);
    } catch (error) {
      services.showError((error as Error).message);
    }
  };
  const buttons: HTMLElement[] = [];
  if (key.status === 'revoked') return h('span', { class: 'hint' }, 'none (revoked)');
  if (key.status !== 'rotated') {
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          class: 'button button--small',
          'aria-label': `Rotate ${name}`,
          onclick: () =>
            openRotateKeyDialog(services.api, services.context, key, (issued) => {
              showNewKey(issued, 'Your rotated key');
              services.changed(`Key ${name} rotated.`);
            }),
        },
        'Rotate',
      ),
    );
  }
  buttons.push(
    h(
      'button',
      {
        type: 'button',
        class: 'button button--small',
        'aria-label': `${key.enabled ? 'Disable' : 'Enable'} ${name}`,
        onclick: () => run(() => services.api.setEnabled(key.id, !key.enabled), `Key ${name} ${key.enabled ? 'disabled' : 'enabled'}.`),
      },
      key.enabled ? 'Disable' : 'Enable',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'button button--small button--danger',
        'aria-label': `Revoke ${name}`,
        onclick: async () => {
          const confirmed = await confirmDialog({
            title: `Revoke key “${name}”?`,
            message: 'Apps using this key will be refused at once (401 REVOKED). This cannot be undone.',
            confirmLabel: 'Revoke',
            danger: true,
          });
          if (confirmed) await run(() => services.api.revokeKey(key.id), `Key ${name} revoked.`);
        },
      },
      'Revoke',
    ),
  );
  return h('div', { class: 'actions' }, ...buttons);
}
