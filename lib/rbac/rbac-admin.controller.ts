import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { AdminChangeContext } from '../admin/admin-actor.decorator.js';
import { AdminController } from '../admin/admin-controller.decorator.js';
import { AdministratorsOnlyGuard } from '../admin/administrators-only.guard.js';
import { CreatePermissionDto } from '../admin/dto/create-permission.dto.js';
import { CreateRoleDto } from '../admin/dto/create-role.dto.js';
import { ListRbacQueryDto } from '../admin/dto/list-rbac.query.dto.js';
import { SetKeyPermissionsDto } from '../admin/dto/set-key-permissions.dto.js';
import { SetKeyRolesDto } from '../admin/dto/set-key-roles.dto.js';
import { ParseIdentifierPipe } from '../admin/parse-identifier.pipe.js';
import { ParseKeyIdPipe } from '../admin/parse-key-id.pipe.js';
import type { ApiKey, UpdateContext } from '../interfaces/api-key.interface.js';
import type { ApiKeyPermission, ApiKeyPermissionPage, ApiKeyRole, ApiKeyRolePage } from '../interfaces/rbac.interface.js';
import { AdminOperation } from '../openapi/admin-operation.decorator.js';
import { ApiKeyModel } from '../openapi/response.models.js';
import { ApiKeyRbacService } from './api-key-rbac.service.js';
import { ApiKeyPermissionModel, ApiKeyPermissionPageModel, ApiKeyRoleModel, ApiKeyRolePageModel } from './rbac.models.js';

/**
 * The RBAC routes of the admin API (SPEC §9): the permission catalog, roles, and replacing a
 * key's roles or direct permissions. Roles and permissions are shared by every owner, so
 * owner-scoped actors get 403 FORBIDDEN on all of them (AdministratorsOnlyGuard, which runs after
 * the admin access guard: decorators apply bottom-up, so it must stay above @AdminController).
 * @internal
 */
@UseGuards(AdministratorsOnlyGuard)
@AdminController()
export class RbacAdminController {
  constructor(private readonly rbac: ApiKeyRbacService) {}

  @Get('permissions')
  @AdminOperation({ summary: 'List the permission catalog by name', response: ApiKeyPermissionPageModel })
  listPermissions(@Query() query: ListRbacQueryDto): Promise<ApiKeyPermissionPage> {
    return this.rbac.listPermissions(query);
  }

  @Post('permissions')
  @AdminOperation({ summary: 'Define a permission (again: replaces its description)', response: ApiKeyPermissionModel })
  createPermission(@Body() body: CreatePermissionDto, @AdminChangeContext() ctx: UpdateContext): Promise<ApiKeyPermission> {
    return this.rbac.createPermission(body.name, { description: body.description }, ctx);
  }

  @Delete('permissions/:name')
  @HttpCode(204)
  @AdminOperation({ summary: 'Delete a permission nothing holds', errors: { 409: ['PERMISSION_IN_USE'] } })
  async deletePermission(
    @Param('name', new ParseIdentifierPipe('permission', { invalid: 'not-found' })) name: string,
    @AdminChangeContext() ctx: UpdateContext,
  ): Promise<void> {
    await this.rbac.deletePermission(name, ctx);
  }

  @Get('roles')
  @AdminOperation({ summary: 'List roles by name, with their permissions', response: ApiKeyRolePageModel })
  listRoles(@Query() query: ListRbacQueryDto): Promise<ApiKeyRolePage> {
    return this.rbac.listRoles(query);
  }

  @Post('roles')
  @AdminOperation({ summary: 'Define a role (again: replaces the permissions it carries)', response: ApiKeyRoleModel })
  createRole(@Body() body: CreateRoleDto, @AdminChangeContext() ctx: UpdateContext): Promise<ApiKeyRole> {
    return this.rbac.createRole(body.name, body.permissions, ctx);
  }

  @Delete('roles/:name')
  @HttpCode(204)
  @AdminOperation({ summary: 'Delete a role no live key holds', errors: { 409: ['ROLE_IN_USE'] } })
  async deleteRole(
    @Param('name', new ParseIdentifierPipe('role', { invalid: 'not-found' })) name: string,
    @AdminChangeContext() ctx: UpdateContext,
  ): Promise<void> {
    await this.rbac.deleteRole(name, ctx);
  }

  @Put('keys/:id/roles')
  @AdminOperation({ summary: "Replace a key's roles", response: ApiKeyModel, errors: { 409: ['KEY_ROTATED'] } })
  setRoles(
    @Param('id', ParseKeyIdPipe) id: string,
    @Body() body: SetKeyRolesDto,
    @AdminChangeContext() ctx: UpdateContext,
  ): Promise<ApiKey> {
    return this.rbac.assignRoles(id, body.roles, ctx);
  }

  @Put('keys/:id/permissions')
  @AdminOperation({ summary: "Replace a key's direct permissions", response: ApiKeyModel, errors: { 409: ['KEY_ROTATED'] } })
  setPermissions(
    @Param('id', ParseKeyIdPipe) id: string,
    @Body() body: SetKeyPermissionsDto,
    @AdminChangeContext() ctx: UpdateContext,
  ): Promise<ApiKey> {
    return this.rbac.assignPermissions(id, body.permissions, ctx);
  }
}
