/**
 * Tag of every admin route in the host's OpenAPI document, e.g. to filter the document or to
 * describe the tag with `DocumentBuilder.addTag`.
 *
 * @example
 * new DocumentBuilder().addTag(API_KEYS_OPENAPI_TAG, 'Manage API keys')
 */
export const API_KEYS_OPENAPI_TAG = 'api-keys';

/**
 * Name of the security scheme that `addApiKeySecurity` adds to the document and that admin
 * routes and `@ApiKeyAuth()` routes require.
 *
 * @example
 * document.components.securitySchemes[API_KEY_SECURITY_SCHEME] // { type: 'apiKey', in: 'header', name: 'x-api-key' }
 */
export const API_KEY_SECURITY_SCHEME = 'api-key';
