import { auditPanel } from './audit.panel.js';
import type { KeyPanel } from './key-panel.js';
import { overviewPanel } from './overview.panel.js';
import { usagePanel } from './usage.panel.js';
import { verificationsPanel } from './verifications.panel.js';

/** The panels of a key's details, in order. A new panel is one module and one entry here. */
export const KEY_PANELS: readonly KeyPanel[] = [overviewPanel, usagePanel, verificationsPanel, auditPanel];
