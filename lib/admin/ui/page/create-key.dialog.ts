import type { ApiClient } from './api-client.js';
import type { CreateKeyBody, IssuedKey, PageContext } from './api-types.js';
import { errorArea, openDialog } from './dialog.js';
import { h, uniqueId } from './dom.js';
import { formatDate } from './format.js';

/** A labelled field: the label names the input for assistive tech and for tests. */
function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  const id = input.id || uniqueId('field');
  input.id = id;
  const hintElement = hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintElement) input.setAttribute('aria-describedby', hintElement.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hintElement);
}

/** Root mode: any permission, typed as a list. Self-service: only what the actor may grant. */
function permissionsField(context: PageContext): { element: HTMLElement; read(): string[] } {
  const grantable = context.grantablePermissions;
  if (grantable === null) {
    const input = h('input', { type: 'text', name: 'permissions', autocomplete: 'off', spellcheck: 'false', maxlength: 4000 });
    return {
      element: field('Permissions', input, 'Separated by spaces or commas, e.g. billing:read reports:*'),
      read: () => input.value.split(/[\s,]+/).filter(Boolean),
    };
  }
  const boxes = grantable.map((permission) => h('input', { type: 'checkbox', name: 'permissions', value: permission }));
  const element = h(
    'fieldset',
    { class: 'field' },
    h('legend', {}, 'Permissions'),
    boxes.length === 0
      ? h('p', { class: 'hint' }, 'You may not grant any permissions.')
      : h('div', { class: 'checkboxes' }, ...boxes.map((box, i) => h('label', { class: 'checkbox' }, box, h('code', {}, grantable[i])))),
  );
  return { element, read: () => boxes.filter((box) => box.checked).map((box) => box.value) };
}

/** `datetime-local` for a moment `ms` from now, in the browser's time zone. */
function localInputValue(ms: number): string {
  const date = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 16);
}

/**
 * "Create key": the form the admin API's `POST /keys` takes from this actor. Owner and
 * credits only in root mode (self-service keys get the actor's owner and the server's
 * defaults). On success the raw key goes to `onCreated`, once.
 */
export function openCreateKeyDialog(api: ApiClient, context: PageContext, onCreated: (issued: IssuedKey) => void): void {
  openDialog('Create key', ({ body, close }) => {
    const errors = errorArea();
    const name = h('input', { type: 'text', name: 'name', maxlength: 200, autocomplete: 'off' });
    const owner =
      context.ownerId === null ? h('input', { type: 'text', name: 'ownerId', maxlength: 128, required: true, autocomplete: 'off' }) : null;
    const permissions = permissionsField(context);
    const ttl = context.maxKeyTtlMs;
    const expires = h('input', {
      type: 'datetime-local',
      name: 'expiresAt',
      max: ttl === null ? undefined : localInputValue(Date.now() + ttl),
    });
    const expiryHint =
      ttl === null
        ? 'Leave empty for a key that does not expire.'
        : `At most ${formatDate(new Date(Date.now() + ttl).toISOString(), '')}; empty means that latest date.`;
    const credits =
      context.ownerId === null ? h('input', { type: 'number', name: 'remaining', min: 0, step: 1, inputmode: 'numeric' }) : null;
    const submit = h('button', { type: 'submit', class: 'button button--primary' }, 'Create');

    const form = h(
      'form',
      {
        class: 'form',
        onsubmit: async (event: Event) => {
          event.preventDefault();
          errors.clear();
          const request: CreateKeyBody = {};
          if (name.value.trim()) request.name = name.value.trim();
          if (owner) request.ownerId = owner.value;
          const granted = permissions.read();
          if (granted.length > 0) request.permissions = granted;
          if (expires.value) request.expiresAt = new Date(expires.value).toISOString();
          if (credits && credits.value !== '') request.remaining = Number(credits.value);
          submit.disabled = true;
          try {
            const issued = await api.createKey(request);
            close();
            onCreated(issued);
          } catch (error) {
            errors.show((error as Error).message);
          } finally {
            submit.disabled = false;
          }
        },
      },
      errors.element,
      field('Name', name),
      owner && field('Owner', owner, 'The owner id the key belongs to (a user, team or organisation).'),
      permissions.element,
      field('Expires', expires, expiryHint),
      credits && field('Credits', credits, 'Usage credits; leave empty for unlimited.'),
      h('div', { class: 'dialog__actions' }, h('button', { type: 'button', class: 'button', onclick: () => close() }, 'Cancel'), submit),
    );
    body.append(form);
    return { initialFocus: name };
  });
}
