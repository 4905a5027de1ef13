import { h, replace } from './dom.js';
import type { PageServices } from './page-services.js';

/**
 * A panel body that loads from the API: it says "Loading …" (and is `aria-busy`) until
 * `load` answers, then shows what it built. An API error is never swallowed: its message goes
 * to the page's alert area and stays in the panel, with a "Try again" button.
 */
export function asyncPanel(what: string, services: PageServices, load: () => Promise<Node[]>): HTMLElement {
  const body = h('div', { class: 'panel-body' });
  const start = () => {
    body.setAttribute('aria-busy', 'true');
    replace(body, h('p', { class: 'loading', role: 'status' }, `Loading ${what}…`));
    load().then(
      (nodes) => {
        body.removeAttribute('aria-busy');
        replace(body, ...nodes);
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        body.removeAttribute('aria-busy');
        replace(
          body,
          h('p', { class: 'error' }, `Could not load ${what}: ${message}`),
          h('button', { type: 'button', class: 'button button--small panel-body__retry', onclick: start }, 'Try again'),
        );
        services.showError(message);
      },
    );
  };
  start();
  return body;
}
