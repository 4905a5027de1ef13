import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { REQUEST_ADMIN_ACTOR_PROPERTY } from '../api-keys.internal-constants.js';
import type { UpdateContext } from '../interfaces/api-key.interface.js';
import type { AdminActor } from '../interfaces/api-keys-options.interface.js';

const actorOf = (context: ExecutionContext): AdminActor => context.switchToHttp().getRequest()[REQUEST_ADMIN_ACTOR_PROPERTY];

/** The admin actor that AdminAccessGuard resolved for this request. @internal */
export const CurrentAdminActor = createParamDecorator((_: unknown, context: ExecutionContext) => actorOf(context));

/**
 * The context an admin route passes to a service change: who (the resolved actor), from where
 * (`request.ip`), and whether the actor is owner-scoped. The audit trail records the first two.
 * @internal
 */
export const AdminChangeContext = createParamDecorator((_: unknown, context: ExecutionContext): UpdateContext => {
  const actor = actorOf(context);
  const ip: unknown = context.switchToHttp().getRequest().ip;
  return { actorId: actor.actorId, ...(typeof ip === 'string' ? { ip } : {}), ownerScoped: actor.ownerId !== undefined };
});
