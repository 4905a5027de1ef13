import type {
  AuditEventPage,
  CreateKeyBody,
  IssuedKey,
  KeyPage,
  KeyStatus,
  PageContext,
  UsageGranularity,
  UsageSeries,
  VerificationLogPage,
  WireApiKey,
} from './api-types.js';

/** An answer of the admin API other than 2xx, carrying the API's own `message` and `code`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface ListQuery {
  status?: KeyStatus;
  ownerId?: string;
  cursor?: string;
  limit?: number;
}

type Credentials = () => Record<string, string>;

/**
 * The admin API, addressed relative to the page (`{path}/ui` → `{path}/…`), so it works under
 * any mount path and global prefix. Requests stay on this origin; `credentials` adds the
 * admin key header in root mode, and the host's session cookie rides along by itself.
 */
export class ApiClient {
  private readonly base = new URL('./', window.location.href);

  constructor(private readonly credentials: Credentials) {}

  context(): Promise<PageContext> {
    return this.request('GET', 'ui/context');
  }

  listKeys(query: ListQuery): Promise<KeyPage> {
    const params: Record<string, string> = { limit: String(query.limit ?? 20) };
    if (query.status) params.status = query.status;
    if (query.ownerId) params.ownerId = query.ownerId;
    if (query.cursor) params.cursor = query.cursor;
    return this.request('GET', 'keys', { params });
  }

  getKey(id: string): Promise<WireApiKey> {
    return this.request('GET', `keys/${encodeURIComponent(id)}`);
  }

  createKey(body: CreateKeyBody): Promise<IssuedKey> {
    return this.request('POST', 'keys', { body });
  }

  setEnabled(id: string, enabled: boolean): Promise<WireApiKey> {
    return this.request('PATCH', `keys/${encodeURIComponent(id)}`, { body: { enabled } });
  }

  rotateKey(id: string, gracePeriodMs: number): Promise<IssuedKey> {
    return this.request('POST', `keys/${encodeURIComponent(id)}/rotate`, { body: { gracePeriodMs } });
  }

  revokeKey(id: string): Promise<WireApiKey> {
    return this.request('POST', `keys/${encodeURIComponent(id)}/revoke`, { body: {} });
  }

  /** A key's usage series; the server picks the period (24 hours of hours, 30 days of days, up to now). */
  keyUsage(id: string, granularity: UsageGranularity): Promise<UsageSeries> {
    return this.request('GET', `keys/${encodeURIComponent(id)}/usage`, { params: { granularity } });
  }

  /** A key's most recent verifications, newest first. */
  keyVerifications(id: string, query: { limit: number; cursor?: string }): Promise<VerificationLogPage> {
    const params: Record<string, string> = { limit: String(query.limit) };
    if (query.cursor) params.cursor = query.cursor;
    return this.request('GET', `keys/${encodeURIComponent(id)}/verifications`, { params });
  }

  /** A key's audit events, newest first (404 where the server has no audit trail). */
  auditEvents(query: { keyId: string; limit: number; cursor?: string }): Promise<AuditEventPage> {
    const params: Record<string, string> = { keyId: query.keyId, limit: String(query.limit) };
    if (query.cursor) params.cursor = query.cursor;
    return this.request('GET', 'audit-events', { params });
  }

  private async request<T>(method: string, path: string, init: { params?: Record<string, string>; body?: object } = {}): Promise<T> {
    const url = new URL(path, this.base);
    for (const [name, value] of Object.entries(init.params ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { accept: 'application/json', ...this.credentials() };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        credentials: 'same-origin',
        cache: 'no-store',
        redirect: 'error',
      });
    } catch {
      throw new ApiError(0, undefined, 'The server could not be reached. Check your connection and try again.');
    }
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw errorOf(response, payload);
    return payload as T;
  }
}

/** The API's `message` (Nest's own errors may carry an array of them), else the HTTP status. */
function errorOf(response: Response, payload: unknown): ApiError {
  const body = (payload ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof body.code === 'string' ? body.code : undefined;
  const message = Array.isArray(body.message)
    ? body.message.filter((m) => typeof m === 'string').join('; ')
    : typeof body.message === 'string'
      ? body.message
      : '';
  return new ApiError(response.status, code, message || `The server answered ${response.status} ${response.statusText}.`.trim());
}
