import { STATUS_CODES } from 'node:http';
import { HttpStatus, RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { getMetadataStorage } from 'class-validator';
import { ADMIN_OPERATION_KEY, type AdminOperationOptions } from './admin-operation.decorator.js';
import { documentDto, type DtoPlace } from './dto-schema.documenter.js';
import { errorResponses, GUARD_ERRORS, mergeErrors } from './error-responses.js';
import { API_KEY_SECURITY_SCHEME, API_KEYS_OPENAPI_TAG } from './openapi.constants.js';
import { loadSwagger, type SwaggerApi } from './swagger.loader.js';

/** What AdminAccessGuard adds to ApiKeyGuard's denials: a host guard or resolveActor said no. */
const ADMIN_GUARD_ERRORS = mergeErrors(GUARD_ERRORS, { 403: ['FORBIDDEN'] });

/** A route handler of a controller, with what its decorators declared. @internal */
export interface AdminRoute {
  name: string;
  handler: Function;
  descriptor: PropertyDescriptor;
  /** The DTOs its `@Body()` and `@Query()` parameters are validated against. */
  dtos: { type: Function; place: DtoPlace }[];
}

/**
 * The OpenAPI half of `@AdminController`: with swagger present, every route of the controller
 * gets the tag `api-keys`, the `api-key` security requirement, its request schemas from the
 * DTOs' class-validator rules, its success response from `@AdminOperation`, and its error
 * responses. Without swagger it does nothing.
 * @internal
 */
export function DocumentAdminController(): ClassDecorator {
  return (controller) => {
    const swagger = loadSwagger();
    if (!swagger) return;
    swagger.ApiTags(API_KEYS_OPENAPI_TAG)(controller);
    swagger.ApiSecurity(API_KEY_SECURITY_SCHEME)(controller);
    for (const route of adminRoutes(controller)) documentRoute(swagger, controller, route);
  };
}

function documentRoute(swagger: SwaggerApi, controller: Function, route: AdminRoute): void {
  const operation: Partial<AdminOperationOptions> = Reflect.getMetadata(ADMIN_OPERATION_KEY, route.handler) ?? {};
  for (const dto of route.dtos) documentDto(swagger, dto.type, dto.place);
  const status = successStatus(route.handler);
  const errors = mergeErrors(
    ADMIN_GUARD_ERRORS,
    route.dtos.length > 0 ? { 400: ['VALIDATION_FAILED'] } : {},
    hasPathParameter(route.handler) ? { 404: ['NOT_FOUND'] } : {},
    operation.errors ?? {},
  );
  const decorators: MethodDecorator[] = [
    ...(operation.summary ? [swagger.ApiOperation({ summary: operation.summary })] : []),
    swagger.ApiResponse({ status, description: STATUS_CODES[status] ?? 'Success', type: operation.response }),
    ...errorResponses(swagger, errors),
  ];
  for (const decorate of decorators) decorate(controller.prototype, route.name, route.descriptor);
}

/**
 * The routes of a controller and the DTOs they validate, read from Nest's own route metadata.
 * @internal
 */
export function adminRoutes(controller: Function): AdminRoute[] {
  const prototype = controller.prototype;
  return Object.getOwnPropertyNames(prototype).flatMap((name) => {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name)!;
    const handler = descriptor.value;
    if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) return [];
    return [{ name, handler, descriptor, dtos: validatedParameters(controller, name) }];
  });
}

function validatedParameters(controller: Function, name: string): AdminRoute['dtos'] {
  const types: unknown[] = Reflect.getMetadata('design:paramtypes', controller.prototype, name) ?? [];
  const args: Record<string, { index: number }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {};
  const places: Partial<Record<string, DtoPlace>> = { [RouteParamtypes.BODY]: 'body', [RouteParamtypes.QUERY]: 'query' };
  return Object.entries(args).flatMap(([key, { index }]) => {
    const place = places[key.split(':')[0]];
    const type = types[index];
    return place && typeof type === 'function' && isValidated(type) ? [{ type, place }] : [];
  });
}

function isValidated(type: Function): boolean {
  return getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0;
}

/** Nest's rule, which swagger follows too: `@HttpCode()`, else 201 for POST, else 200. */
function successStatus(handler: Function): number {
  const declared: number | undefined = Reflect.getMetadata(HTTP_CODE_METADATA, handler);
  if (declared) return declared;
  return Reflect.getMetadata(METHOD_METADATA, handler) === RequestMethod.POST ? HttpStatus.CREATED : HttpStatus.OK;
}

function hasPathParameter(handler: Function): boolean {
  const paths: string | string[] = Reflect.getMetadata(PATH_METADATA, handler);
  return [paths].flat().some((path) => path.includes(':'));
}
