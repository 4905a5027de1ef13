import type { PropertyOptions } from './openapi-schema.js';
import type { SwaggerApi } from './swagger.loader.js';
import { describeDto, type DtoProperty } from './validation-schema.converter.js';

/** Where a DTO arrives: bodies may carry `null`, query strings cannot. @internal */
export type DtoPlace = 'body' | 'query';

const documented = new WeakSet<Function>();

/**
 * Writes a DTO's validation rules into swagger's model metadata (once per class, nested DTOs
 * too), so the DTO files need no `@ApiProperty()` of their own.
 * @internal
 */
export function documentDto(swagger: SwaggerApi, dto: Function, place: DtoPlace): void {
  if (documented.has(dto)) return;
  documented.add(dto);
  for (const property of describeDto(dto).properties) {
    swagger.ApiProperty(propertyOptions(swagger, property, place))(dto.prototype, property.name);
  }
}

function propertyOptions(swagger: SwaggerApi, property: DtoProperty, place: DtoPlace): PropertyOptions {
  const { required } = property;
  // `null` passes @IsOptional() as `undefined` does (on PATCH it clears the field).
  const nullable = !required && place === 'body' ? { nullable: true } : {};
  const { type, items, ...bounds } = property.schema;
  if (property.nested) {
    documentDto(swagger, property.nested.type, place);
    return { ...bounds, ...nullable, type: property.nested.type, isArray: property.nested.isArray, required };
  }
  if (type === 'object') return { ...bounds, ...nullable, type, additionalProperties: true, selfRequired: required };
  return { ...bounds, ...nullable, ...(items ? { items } : {}), ...(type ? { type } : {}), required };
}
