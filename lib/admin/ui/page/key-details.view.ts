import type { WireApiKey } from './api-types.js';
import { h, replace, uniqueId } from './dom.js';
import { keyName } from './format.js';
import { KEY_PANELS } from './key-panels.js';
import type { PageServices } from './page-services.js';

/** The details of one key: every panel of KEY_PANELS, re-read from the API after each change. */
export class KeyDetailsView {
  readonly element = h('section', { class: 'panel details', hidden: true });
  private keyId: string | null = null;

  constructor(private readonly services: PageServices) {}

  async open(key: WireApiKey): Promise<void> {
    this.keyId = key.id;
    await this.render(key);
    this.element.querySelector<HTMLElement>('h2')?.focus();
  }

  /** Re-reads the open key (after a change); a key that is gone closes the view. */
  async refresh(): Promise<void> {
    if (this.keyId === null) return;
    try {
      await this.render(await this.services.api.getKey(this.keyId));
    } catch (error) {
      this.close();
      this.services.showError((error as Error).message);
    }
  }

  close(): void {
    this.keyId = null;
    this.element.hidden = true;
    replace(this.element);
  }

  private async render(key: WireApiKey): Promise<void> {
    const titleId = uniqueId('details-title');
    const panels = await Promise.all(
      KEY_PANELS.map(async (panel) => {
        const panelTitle = uniqueId('panel-title');
        return h(
          'section',
          { class: 'subpanel', 'aria-labelledby': panelTitle },
          h('h3', { id: panelTitle }, panel.title),
          await panel.render(key, this.services),
        );
      }),
    );
    this.element.setAttribute('aria-labelledby', titleId);
    replace(
      this.element,
      h(
        'div',
        { class: 'panel__header' },
        h('h2', { id: titleId, tabindex: -1 }, `Key “${keyName(key)}”`),
        h('button', { type: 'button', class: 'button', onclick: () => this.close() }, 'Close details'),
      ),
      ...panels,
    );
    this.element.hidden = false;
  }
}
