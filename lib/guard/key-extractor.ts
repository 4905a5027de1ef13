import type { KeySource } from '../interfaces/api-keys-options.interface.js';

const BEARER = /^Bearer[ \t]+(\S*)[ \t]*$/i;

function firstValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The raw key from the first configured source that has one, or undefined. An empty value
 * counts as absent; a Bearer value that is not one of our keys (a JWT, say) counts as
 * absent too, so the host's other auth can take it.
 * @internal
 */
export function extractKey(
  request: { headers?: Record<string, unknown>; query?: Record<string, unknown> },
  sources: readonly KeySource[],
  isOurKey: (value: string) => boolean,
): string | undefined {
  for (const source of sources) {
    let value: string | undefined;
    if (source.in === 'header') value = firstValue(request.headers?.[source.name.toLowerCase()]);
    else if (source.in === 'query') value = firstValue(request.query?.[source.name]);
    else {
      const match = BEARER.exec(firstValue(request.headers?.authorization) ?? '');
      value = match && isOurKey(match[1]) ? match[1] : undefined;
    }
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}
