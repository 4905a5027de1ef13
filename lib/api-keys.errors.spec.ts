import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as library from './index.js';
import { API_KEYS_ERROR_STATUS, ApiKeysError } from './api-keys.errors.js';

/** The rows of the README's "Error codes" table: code, status and class of each. */
function readmeErrorTable(): Array<{ code: string; status: number; className: string }> {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Error codes'));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| code |')));
  return table
    .split('\n')
    .filter((line) => /^\| `[A-Z_]+` \|/.test(line))
    .map((line) => {
      const [code, status, className] = line
        .split('|')
        .slice(1, 4)
        .map((cell) => cell.trim().replace(/`/g, ''));
      return { code, status: Number(status), className };
    });
}

describe('the error registry', () => {
  it('the README lists every code once, with its status and its exported class', () => {
    const rows = readmeErrorTable();
    expect(rows.map((row) => row.code).sort()).toEqual(Object.keys(API_KEYS_ERROR_STATUS).sort());
    for (const row of rows) {
      expect({ code: row.code, status: row.status }).toEqual({
        code: row.code,
        status: API_KEYS_ERROR_STATUS[row.code as keyof typeof API_KEYS_ERROR_STATUS],
      });
      const errorClass = (library as Record<string, unknown>)[row.className] as (new (...args: never[]) => ApiKeysError) | undefined;
      expect({ className: row.className, exported: typeof errorClass }).toEqual({ className: row.className, exported: 'function' });
      expect(errorClass!.prototype).toBeInstanceOf(ApiKeysError);
    }
  });
});
