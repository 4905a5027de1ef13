import type { ApiClient } from './api-client.js';
import type { PageContext } from './api-types.js';
import { announce, h, replace } from './dom.js';
import { KeyDetailsView } from './key-details.view.js';
import { KeysListPanel } from './keys-list.panel.js';
import type { PageServices } from './page-services.js';

/** The signed-in page: an alert area for API errors, the key list and a key's details. */
export function showConsole(main: HTMLElement, api: ApiClient, context: PageContext): void {
  const message = h('span');
  const alert = h(
    'div',
    { class: 'error error--page', role: 'alert', hidden: true },
    message,
    h('button', { type: 'button', class: 'button button--small', onclick: () => (alert.hidden = true) }, 'Dismiss'),
  );
  const services: PageServices = {
    api,
    context,
    changed(text) {
      alert.hidden = true;
      void list.reload();
      void details.refresh();
      announce(text);
    },
    showError(text) {
      message.textContent = text;
      alert.hidden = false;
    },
    openDetails(key) {
      void details.open(key);
    },
  };
  const list = new KeysListPanel(services);
  const details = new KeyDetailsView(services);
  replace(main, alert, list.element, details.element);
  void list.reload();
}
