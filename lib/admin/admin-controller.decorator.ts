import { applyDecorators, Controller, UseFilters, UseGuards, UseInterceptors, UsePipes, VERSION_NEUTRAL } from '@nestjs/common';
import { SkipApiKey } from '../decorators/skip-api-key.decorator.js';
import { DocumentAdminController } from '../openapi/admin-openapi.decorator.js';
import { AdminAccessGuard } from './admin-access.guard.js';
import { AdminDeadlineInterceptor } from './admin-deadline.interceptor.js';
import { AdminInputBoundsInterceptor } from './admin-input-bounds.interceptor.js';
import { adminValidationPipe } from './admin-validation.pipe.js';
import { ApiKeysErrorFilter } from './api-keys-error.filter.js';

/**
 * Marks a controller of the admin API (SPEC §9), so that every admin controller is bound the
 * same way: version-neutral under `admin.path`, out of reach of the host's global ApiKeyGuard
 * (`@SkipApiKey`), protected by AdminAccessGuard, answering the library's errors with its own
 * body, bounding the nesting of bodies and queries before any pipe (the host's global ones
 * included), validating them with the admin pipe, and answering within `storeTimeoutMs`.
 * With `@nestjs/swagger` installed, its routes are documented too (lib/openapi): describe each
 * route with `@AdminOperation()`.
 *
 * @example
 * @AdminController('roles')
 * export class RolesAdminController {}
 * @internal
 */
export function AdminController(path?: string): ClassDecorator {
  return applyDecorators(
    Controller({ path, version: VERSION_NEUTRAL }),
    SkipApiKey(),
    UseGuards(AdminAccessGuard),
    UseFilters(ApiKeysErrorFilter),
    UsePipes(adminValidationPipe),
    UseInterceptors(AdminInputBoundsInterceptor, AdminDeadlineInterceptor),
    DocumentAdminController(),
  );
}
