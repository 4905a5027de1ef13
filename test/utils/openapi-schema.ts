/**
 * Checks a JSON value against a schema of an OpenAPI 3.0 document, so tests can prove that what
 * the server answers is what its document says. Covers what the library's documents use:
 * $ref, allOf, nullable, type, format (date-time, uuid), enum, bounds, required, properties
 * (an undocumented property is an error) and items.
 */
export type OpenApiDocument = { components?: { schemas?: Record<string, any> } } & Record<string, any>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function resolveRef(document: OpenApiDocument, schema: any): any {
  if (!schema?.$ref) return schema;
  const name = String(schema.$ref).replace('#/components/schemas/', '');
  const resolved = document.components?.schemas?.[name];
  if (!resolved) throw new Error(`unresolved ${schema.$ref}`);
  return resolved;
}

export function schemaErrors(document: OpenApiDocument, rawSchema: any, value: unknown, path = '$'): string[] {
  const schema = resolveRef(document, rawSchema);
  if (value === null) return schema.nullable ? [] : [`${path}: null is not allowed`];
  const errors: string[] = [];
  for (const part of schema.allOf ?? []) errors.push(...schemaErrors(document, part, value, path));
  const type = schema.type;
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (type && !(type === actual || (type === 'number' && actual === 'integer'))) return [...errors, `${path}: ${actual} is not ${type}`];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  if (typeof value === 'string') {
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) errors.push(`${path}: not a date-time`);
    if (schema.format === 'uuid' && !UUID.test(value)) errors.push(`${path}: not a uuid`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${path}: longer than ${schema.maxLength}`);
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${path}: shorter than ${schema.minLength}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, index) => errors.push(...schemaErrors(document, schema.items, item, `${path}[${index}]`)));
  }
  if (actual === 'object' && schema.properties) {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in record)) errors.push(`${path}.${name}: required but absent`);
    for (const [name, item] of Object.entries(record)) {
      const propertySchema = schema.properties[name];
      if (!propertySchema) errors.push(`${path}.${name}: not in the document`);
      else errors.push(...schemaErrors(document, propertySchema, item, `${path}.${name}`));
    }
  }
  return errors;
}
