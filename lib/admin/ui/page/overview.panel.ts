import type { WireApiKey } from './api-types.js';
import { h } from './dom.js';
import { formatCredits, formatDate, formatDuration, keyHint, STATUS_LABELS } from './format.js';
import { keyActions } from './key-actions.js';
import type { KeyPanel } from './key-panel.js';

const list = (values: string[], none: string) => (values.length === 0 ? none : values.join(', '));

/** Everything the API says about a key (never its secret or hash), and its actions. */
export const overviewPanel: KeyPanel = {
  title: 'Overview',
  render(key: WireApiKey, services) {
    const rows: Array<[string, Node | string]> = [
      ['Key', h('code', {}, keyHint(key))],
      ['Status', STATUS_LABELS[key.status] + (key.disabledBy ? ` (by ${key.disabledBy})` : '')],
      ['Owner', key.ownerId],
      ['Namespace', key.namespace],
      ['Environment', key.environment ?? 'none'],
      ['Permissions', list(key.permissions, 'none')],
      ['Roles', list(key.roles, 'none')],
      ['Allowed addresses', list(key.allowedIps, 'any')],
      ['Credits', formatCredits(key)],
      [
        'Rate limits',
        list(
          key.rateLimits.map(
            (r) => `${r.name}: ${r.limit} per ${formatDuration(r.windowMs)}${r.mode === 'report' ? ' (report only)' : ''}`,
          ),
          'defaults',
        ),
      ],
      ['Created', formatDate(key.createdAt, '')],
      ['Last used', formatDate(key.lastUsedAt, 'never')],
      ['Expires', formatDate(key.expiresAt, 'never')],
      ['Idle timeout', key.maxIdleMs === null ? 'none' : formatDuration(key.maxIdleMs)],
      ['Revoked', formatDate(key.revokedAt, 'no')],
      ['Rotation grace ends', formatDate(key.rotationGraceEndsAt, 'not rotated')],
      ['Id', h('code', {}, key.id)],
      ['Meta', h('pre', { class: 'meta' }, JSON.stringify(key.meta, null, 2))],
    ];
    return h(
      'div',
      {},
      h('dl', { class: 'details-list' }, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
      keyActions(services, key),
    );
  },
};
