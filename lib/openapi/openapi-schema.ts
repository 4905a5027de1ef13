/**
 * The OpenAPI 3.0 vocabulary this folder writes, kept local so that no declaration file of the
 * package names `@nestjs/swagger` (hosts without it must type-check against ours).
 * @internal
 */
export type OpenApiType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

/** @internal */
export interface OpenApiSchema {
  type?: OpenApiType;
  format?: string;
  description?: string;
  enum?: (string | number)[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  items?: OpenApiSchema;
  additionalProperties?: boolean;
  nullable?: boolean;
}

type PropertyCommon = Omit<OpenApiSchema, 'type' | 'additionalProperties'> & { isArray?: boolean };

/**
 * Options of swagger's `@ApiProperty()` as this folder writes them: a schema, or another model
 * class as `type` (a list of it with `isArray`). Swagger reads an object-typed property's own
 * requiredness from `selfRequired` (its `required` lists the object's keys).
 * @internal
 */
export type PropertyOptions =
  | (PropertyCommon & { type?: Exclude<OpenApiType, 'object'> | Function; required?: boolean })
  | (PropertyCommon & { type: 'object'; additionalProperties: boolean; selfRequired?: boolean });
