import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { REQUEST_ADMIN_ACTOR_PROPERTY } from '../api-keys.internal-constants.js';

/** The admin actor that AdminAccessGuard resolved for this request. @internal */
export const CurrentAdminActor = createParamDecorator((_: unknown, context: ExecutionContext) => {
  return context.switchToHttp().getRequest()[REQUEST_ADMIN_ACTOR_PROPERTY];
});
