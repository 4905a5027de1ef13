import { DEFAULT_SOURCES } from '../api-keys.constants.js';
import type { KeySource } from '../interfaces/api-keys-options.interface.js';
import { API_KEY_SECURITY_SCHEME } from './openapi.constants.js';

/** What `addApiKeySecurity` needs of swagger's DocumentBuilder (typed here so hosts without swagger type-check). */
export interface ApiKeySecurityDocumentBuilder {
  addApiKey(options: { type: 'apiKey'; in: 'header'; name: string; description?: string }, name: string): unknown;
}

export interface ApiKeySecurityOptions {
  /** The header the key is sent in: the `name` of your `{ in: 'header' }` source. Default `x-api-key`. */
  header?: string;
}

const DEFAULT_HEADER = DEFAULT_SOURCES.find((source): source is Extract<KeySource, { in: 'header' }> => source.in === 'header')!.name;
/** An HTTP field name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;

/**
 * Adds the security scheme `api-key` (`{ type: 'apiKey', in: 'header', name: 'x-api-key' }`,
 * or your header) to a swagger `DocumentBuilder` and returns the builder, so that the admin
 * routes and `@ApiKeyAuth()` routes can be tried out with a key in the document's UI.
 *
 * @example
 * const config = addApiKeySecurity(new DocumentBuilder().setTitle('My API'), { header: 'x-api-key' }).build();
 * SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, config));
 */
export function addApiKeySecurity<B extends ApiKeySecurityDocumentBuilder>(builder: B, options: ApiKeySecurityOptions = {}): B {
  const header = options.header ?? DEFAULT_HEADER;
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) {
    throw new TypeError(`addApiKeySecurity: header must be an HTTP header name, got ${JSON.stringify(header)}`);
  }
  builder.addApiKey(
    { type: 'apiKey', in: 'header', name: header, description: 'An API key issued by nest-api-keys.' },
    API_KEY_SECURITY_SCHEME,
  );
  return builder;
}
