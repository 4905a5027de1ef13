import type { ApiClient } from './api-client.js';
import type { IssuedKey, PageContext, WireApiKey } from './api-types.js';
import { errorArea, openDialog } from './dialog.js';
import { h } from './dom.js';
import { formatDuration, keyName } from './format.js';

const HOUR = 3_600_000;

/**
 * Rotate a key: a successor with a new secret, the old one working for the grace period
 * (capped by `adminPolicy.maxGracePeriodMs` for owner-scoped actors). The successor's raw
 * key goes to `onRotated`, once.
 */
export function openRotateKeyDialog(api: ApiClient, context: PageContext, key: WireApiKey, onRotated: (issued: IssuedKey) => void): void {
  openDialog(`Rotate key “${keyName(key)}”`, ({ body, close }) => {
    const errors = errorArea();
    const max = context.maxGracePeriodMs;
    const grace = h('input', {
      id: 'rotate-grace',
      type: 'number',
      name: 'gracePeriodHours',
      min: 0,
      max: max === null ? undefined : max / HOUR,
      step: 'any',
      value: 0,
      required: true,
      'aria-describedby': 'rotate-grace-hint',
    });
    const submit = h('button', { type: 'submit', class: 'button button--primary' }, 'Rotate');
    const form = h(
      'form',
      {
        class: 'form',
        onsubmit: async (event: Event) => {
          event.preventDefault();
          errors.clear();
          submit.disabled = true;
          try {
            const issued = await api.rotateKey(key.id, Math.round(Number(grace.value) * HOUR));
            close();
            onRotated(issued);
          } catch (error) {
            errors.show((error as Error).message);
          } finally {
            submit.disabled = false;
          }
        },
      },
      errors.element,
      h(
        'p',
        {},
        'The key gets a successor with a new secret. Apps using the old key keep working for the grace period; after it the old key answers 401.',
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'rotate-grace' }, 'Grace period (hours)'),
        grace,
        h(
          'span',
          { class: 'hint', id: 'rotate-grace-hint' },
          max === null ? '0 ends the old key at once.' : `0 ends the old key at once; at most ${formatDuration(max)}.`,
        ),
      ),
      h('div', { class: 'dialog__actions' }, h('button', { type: 'button', class: 'button', onclick: () => close() }, 'Cancel'), submit),
    );
    body.append(form);
    return { initialFocus: grace };
  });
}
