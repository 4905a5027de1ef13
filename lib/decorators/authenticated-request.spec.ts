import type { ExecutionContext } from '@nestjs/common';
import { REQUEST_API_KEY_PROPERTY, REQUEST_VERIFICATION_PROPERTY } from '../api-keys.constants.js';
import { authenticatedRequestOf } from './authenticated-request.js';

/** A context whose handler arguments are `args`, and whose HTTP request is `http`. */
function contextOf(args: unknown[], http: unknown = {}): ExecutionContext {
  return { getArgs: () => args, switchToHttp: () => ({ getRequest: () => http }) } as unknown as ExecutionContext;
}

const authenticated = () => ({ [REQUEST_API_KEY_PROPERTY]: { id: 'k1' }, [REQUEST_VERIFICATION_PROPERTY]: { valid: true } });

describe('authenticatedRequestOf (the request @CurrentApiKey and @ApiKeyVerification read)', () => {
  it('is the HTTP request the guard authenticated', () => {
    const request = authenticated();
    expect(authenticatedRequestOf(contextOf([request, {}, () => undefined], request))).toBe(request);
  });

  it("finds a GraphQL context's req (root, args, { req }, info), where switchToHttp has none", () => {
    const req = authenticated();
    const context = contextOf([{}, { id: 1 }, { req }, { fieldName: 'me' }], undefined);
    expect(authenticatedRequestOf(context)).toBe(req);
  });

  it('finds a WebSocket client the guard authenticated (client, data)', () => {
    const client = authenticated();
    expect(authenticatedRequestOf(contextOf([client, { event: 'x' }], undefined))).toBe(client);
  });

  it('falls back to the HTTP request when no argument carries a verification (an unguarded route)', () => {
    const http = { headers: {} };
    expect(authenticatedRequestOf(contextOf([null, undefined, 'text'], http))).toBe(http);
  });
});
