import type { ApiClient } from './api-client.js';
import type { PageContext, WireApiKey } from './api-types.js';

/** What every view and panel of the signed-in page shares. */
export interface PageServices {
  api: ApiClient;
  context: PageContext;
  /** After a change: reload the list and the open details, and announce `message`. */
  changed(message: string): void;
  /** Shows an API error's message in the page's alert area. */
  showError(message: string): void;
  /** Opens the details of a key. */
  openDetails(key: WireApiKey): void;
}
