import type { WireApiKey } from './api-types.js';
import type { PageServices } from './page-services.js';

/**
 * One panel of a key's details. Each panel is its own module listed in key-panels.ts;
 * usage charts (24 h hourly, 30 days daily), recent verifications and the key's audit events
 * join as panels once the admin API serves them.
 */
export interface KeyPanel {
  title: string;
  /** Builds the panel's content; may load more from the API (errors go to `services.showError`). */
  render(key: WireApiKey, services: PageServices): HTMLElement | Promise<HTMLElement>;
}
