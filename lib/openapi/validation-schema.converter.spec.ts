import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsEmail,
  IsEnum,
  IsHexColor,
  IsIn,
  IsIP,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  IsUUID,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { FEATURES } from '../api-keys.features.js';
import { CreateApiKeyDto } from '../admin/dto/create-api-key.dto.js';
import { ListApiKeysQueryDto } from '../admin/dto/list-api-keys.query.dto.js';
import { RateLimitDto, RefillDto } from '../admin/dto/quota.dto.js';
import { API_KEY_STATUSES } from '../interfaces/api-key.interface.js';
import { PERMISSION_NAME_PATTERN } from '../rbac/permission-matcher.js';
import { adminRoutes } from './admin-openapi.decorator.js';
import { describeDto, type DtoProperty } from './validation-schema.converter.js';

const property = (dto: Function, name: string): DtoProperty => {
  const found = describeDto(dto).properties.find((p) => p.name === name);
  if (!found) throw new Error(`${dto.name}.${name} is not described`);
  return found;
};

enum Colour {
  Red = 'red',
  Blue = 'blue',
}

class Leaf {
  @IsString()
  label: string;
}

class Sample {
  @IsUUID()
  id: string;

  @IsOptional()
  @IsEmail()
  email?: string;

  @IsEnum(Colour)
  colour: Colour;

  @IsIn([1, 2, 3])
  level: number;

  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIP(4, { each: true })
  addresses: string[];

  @IsNumber()
  @IsPositive()
  ratio: number;

  @ValidateIf((o: Sample) => o.ratio > 1)
  @IsString()
  reason?: string;

  @ValidateNested()
  @Type(() => Leaf)
  leaf: Leaf;

  @ValidateNested({ each: true })
  @Type(() => Leaf)
  leaves: Leaf[];

  @IsHexColor()
  tint: string;
}

describe('describeDto (class-validator rules as OpenAPI)', () => {
  it('reads the bounds of the create body: lengths, ranges, item counts, patterns', () => {
    expect(property(CreateApiKeyDto, 'ownerId')).toEqual({
      name: 'ownerId',
      required: false,
      schema: {
        type: 'string',
        minLength: 1,
        maxLength: 128,
        pattern: '^\\S(?:.*\\S)?$',
        description: expect.stringMatching(/^An identifier/),
      },
    });
    expect(property(CreateApiKeyDto, 'name').schema).toEqual({ type: 'string', maxLength: 200 });
    expect(property(CreateApiKeyDto, 'namespace').schema).toEqual({
      type: 'string',
      minLength: 1,
      maxLength: 128,
      pattern: '^[A-Za-z0-9_.:-]+$',
      description: expect.stringMatching(/^An identifier/),
    });
    expect(property(CreateApiKeyDto, 'permissions').schema).toEqual({
      type: 'array',
      maxItems: 100,
      items: {
        type: 'string',
        minLength: 1,
        maxLength: 128,
        pattern: PERMISSION_NAME_PATTERN.source,
        description: expect.stringMatching(/^An identifier/),
      },
    });
    expect(property(CreateApiKeyDto, 'roles').schema.items).toMatchObject({ maxLength: 128 });
    expect(property(CreateApiKeyDto, 'allowedIps').schema).toMatchObject({ type: 'array', maxItems: 100, items: { type: 'string' } });
    expect(property(CreateApiKeyDto, 'expiresAt').schema).toEqual({ type: 'string', format: 'date-time' });
    expect(property(CreateApiKeyDto, 'remaining').schema).toEqual({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
    expect(property(CreateApiKeyDto, 'meta').schema).toEqual({ type: 'object' });
    expect(property(CreateApiKeyDto, 'enabled').schema).toEqual({ type: 'boolean' });
  });

  it('finds nested DTOs, single and listed, through class-transformer', () => {
    expect(property(CreateApiKeyDto, 'refill')).toMatchObject({ nested: { type: RefillDto, isArray: false } });
    expect(property(CreateApiKeyDto, 'rateLimits')).toMatchObject({
      nested: { type: RateLimitDto, isArray: true },
      schema: { type: 'array', maxItems: 10 },
    });
    expect(property(RefillDto, 'interval')).toEqual({
      name: 'interval',
      required: true,
      schema: { type: 'string', enum: ['hourly', 'daily', 'weekly', 'monthly'] },
    });
    expect(property(RateLimitDto, 'mode')).toMatchObject({ required: false, schema: { type: 'string', enum: ['enforce', 'report'] } });
  });

  it('reads the list query: enum of statuses, integer limit 1-100', () => {
    expect(property(ListApiKeysQueryDto, 'status').schema).toEqual({ type: 'string', enum: [...API_KEY_STATUSES] });
    expect(property(ListApiKeysQueryDto, 'limit').schema).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
    expect(describeDto(ListApiKeysQueryDto).properties.every((p) => !p.required)).toBe(true);
  });

  it('knows the common validators and names the ones it cannot describe', () => {
    const { properties, unknownValidators } = describeDto(Sample);
    const schemas = Object.fromEntries(properties.map((p) => [p.name, p]));
    expect(schemas.id.schema).toEqual({ type: 'string', format: 'uuid' });
    expect(schemas.email).toMatchObject({ required: false, schema: { type: 'string', format: 'email' } });
    expect(schemas.colour.schema).toEqual({ type: 'string', enum: ['red', 'blue'] });
    expect(schemas.level.schema).toEqual({ type: 'number', enum: [1, 2, 3] });
    expect(schemas.addresses.schema).toEqual({ type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', format: 'ipv4' } });
    expect(schemas.ratio.schema).toEqual({ type: 'number', minimum: 0, exclusiveMinimum: true });
    expect(schemas.reason.required).toBe(false);
    expect(schemas.leaf.nested).toEqual({ type: Leaf, isArray: false });
    expect(schemas.leaves.nested).toEqual({ type: Leaf, isArray: true });
    expect(schemas.tint.schema).toEqual({ type: 'string' }); // from the design type; the rule itself is unknown
    expect(unknownValidators).toEqual(['isHexColor']);
  });

  it('every validator of every DTO an admin route validates is described (add new ones to RULES)', () => {
    const controllers = FEATURES.flatMap((feature) => feature.adminControllers ?? []);
    expect(controllers.length).toBeGreaterThanOrEqual(2);
    const seen = new Set<Function>();
    const visit = (dto: Function) => {
      if (seen.has(dto)) return;
      seen.add(dto);
      const { properties, unknownValidators } = describeDto(dto);
      expect({ dto: dto.name, unknownValidators }).toEqual({ dto: dto.name, unknownValidators: [] });
      for (const p of properties) if (p.nested) visit(p.nested.type);
    };
    for (const controller of controllers) for (const route of adminRoutes(controller)) for (const dto of route.dtos) visit(dto.type);
    expect([...seen].map((dto) => dto.name).sort()).toEqual(
      expect.arrayContaining([
        'CreateApiKeyDto',
        'ListApiKeysQueryDto',
        'RateLimitDto',
        'RefillDto',
        'RevokeManyDto',
        'RotateApiKeyDto',
        'UpdateApiKeyDto',
        'VerifyApiKeyDto',
        'CreatePermissionDto',
        'CreateRoleDto',
        'SetKeyRolesDto',
        'SetKeyPermissionsDto',
        'ListRbacQueryDto',
      ]),
    );
  });
});
