import { errorArea } from './dialog.js';
import { h, replace } from './dom.js';

/**
 * Root mode without a key: asks for an admin key (one holding `api_keys:admin`). The key is
 * handed to `onKey`, which keeps it in sessionStorage only.
 */
export function showSignIn(main: HTMLElement, onKey: (key: string) => void, problem?: string): void {
  const errors = errorArea();
  const input = h('input', {
    id: 'admin-key',
    type: 'password',
    name: 'admin-key',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: 512,
    'aria-describedby': 'admin-key-hint',
  });
  const form = h(
    'form',
    {
      class: 'form panel sign-in',
      'aria-labelledby': 'sign-in-title',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const key = input.value.trim();
        if (key) onKey(key);
      },
    },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    errors.element,
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'admin-key' }, 'Admin key'),
      input,
      h(
        'span',
        { class: 'hint', id: 'admin-key-hint' },
        'A key holding api_keys:admin. It is kept in this tab only (session storage) and sent with each request.',
      ),
    ),
    h('div', { class: 'form__actions' }, h('button', { type: 'submit', class: 'button button--primary' }, 'Sign in')),
  );
  replace(main, form);
  if (problem) errors.show(problem);
  input.focus();
}
