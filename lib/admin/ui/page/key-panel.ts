import type { WireApiKey } from './api-types.js';
import type { PageServices } from './page-services.js';

/**
 * One panel of a key's details (overview, usage, recent verifications, audit events). Each
 * panel is its own module listed in key-panels.ts. A panel that loads from the API returns at
 * once with a loading state (async-panel.ts), so one slow route never holds the others back.
 */
export interface KeyPanel {
  title: string;
  /** Builds the panel's content; may load more from the API (errors go to `services.showError`). */
  render(key: WireApiKey, services: PageServices): HTMLElement | Promise<HTMLElement>;
}
