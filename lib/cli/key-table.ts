import type { ApiKey } from '../interfaces/api-key.interface.js';

interface Column {
  title: string;
  /** Longer cells are cut with an ellipsis, so one odd value cannot stretch the table. */
  max: number;
  cell(key: ApiKey): string;
}

const COLUMNS: Column[] = [
  { title: 'ID', max: 36, cell: (key) => key.id },
  { title: 'OWNER', max: 24, cell: (key) => key.ownerId },
  { title: 'NAME', max: 24, cell: (key) => key.name ?? '' },
  { title: 'STATUS', max: 8, cell: (key) => key.status },
  { title: 'KEY', max: 32, cell: (key) => (key.start ? `${key.start}…${key.last4}` : '(imported hash)') },
  { title: 'PERMISSIONS', max: 40, cell: (key) => [...key.permissions, ...key.roles.map((role) => `role:${role}`)].join(',') },
  { title: 'CREATED', max: 16, cell: (key) => minute(key.createdAt) },
  { title: 'EXPIRES', max: 16, cell: (key) => minute(key.expiresAt) },
  { title: 'LAST USED', max: 16, cell: (key) => minute(key.lastUsedAt) },
];

/**
 * The `list-keys` table: one row per key, never a hash. Cells are made printable (control
 * characters escaped), since key names are free text that may come from self-service users.
 * @internal
 */
export function formatKeyTable(keys: ApiKey[]): string {
  const rows = keys.map((key) => COLUMNS.map((column) => fit(terminalSafe(column.cell(key)), column.max)));
  const widths = COLUMNS.map((column, i) => Math.max(column.title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS.map((column) => column.title)), ...rows.map(line)].join('\n') + '\n';
}

/**
 * `list-keys --json`: the keys as the service answers them (no hash), with the C1 control
 * characters and line separators that JSON.stringify leaves raw escaped too.
 * @internal
 */
export function formatKeyJson(keys: ApiKey[]): string {
  return JSON.stringify(keys, null, 2).replace(/[\u007f-\u009f\u2028\u2029]/g, unicodeEscape) + '\n';
}

/** UTC, to the minute: `2026-11-22 14:05`. */
function minute(date: Date | null): string {
  return date ? date.toISOString().slice(0, 16).replace('T', ' ') : '-';
}

function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, unicodeEscape);
}

function unicodeEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function fit(text: string, max: number): string {
  const chars = Array.from(text); // never cut a surrogate pair in half
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}
