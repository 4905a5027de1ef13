import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import {
  API_KEY_COST_KEY,
  OPTIONAL_API_KEY_KEY,
  REQUEST_API_KEY_PROPERTY,
  REQUEST_VERIFICATION_PROPERTY,
  REQUIRE_PERMISSIONS_KEY,
  REQUIRE_ROLES_KEY,
  SKIP_API_KEY_KEY,
} from '../api-keys.constants.js';
import { StoreUnavailableError } from '../api-keys.errors.js';
import { API_KEYS_FAILED_ATTEMPTS, API_KEYS_RESOLVED_OPTIONS } from '../api-keys.internal-constants.js';
import type { ResolvedApiKeysOptions } from '../api-keys.options.js';
import type { PermissionRequirement } from '../decorators/require-permissions.decorator.js';
import type { VerifyOptions, VerifyResult } from '../interfaces/verify-result.interface.js';
import { ApiKeyService } from '../keys/api-key.service.js';
import { normalizeIp, trackerOf } from '../verification/ip-address.js';
import { apiKeysHttpException, DENIAL_STATUS, denialHeaders, messageOf, rateLimitHeaders, type DenialCode } from './http-error-mapping.js';
import type { FailedAttempt, FailedAttempts } from '../quotas/failed-attempts.js';
import { sha256Hex } from '../keys/key-hasher.js';
import { extractKey } from './key-extractor.js';

/**
 * Authenticates a request by API key: extracts it from the configured sources, verifies it
 * with the route's `@RequirePermissions`, `@RequireRoles` and `@ApiKeyCost`, attaches the
 * principal, and maps a denial to 401/403/429/503 with the body
 * `{ statusCode, error, code, message }`. Subclass it and override the protected hooks for
 * other transports.
 *
 * @example
 * @UseGuards(ApiKeyGuard)
 * @RequirePermissions('reports:read')
 * @Get('reports') list(@CurrentApiKey() key: ApiKeyPrincipal) {}
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  protected readonly logger = new Logger('ApiKeyGuard');
  /** Each route's metadata by handler, then controller class (a handler can be inherited). */
  private readonly routes = new WeakMap<Function, WeakMap<Function, RouteMetadata>>();

  constructor(
    protected readonly reflector: Reflector,
    protected readonly apiKeys: ApiKeyService,
    protected readonly adapterHost: HttpAdapterHost,
    @Inject(API_KEYS_RESOLVED_OPTIONS) protected readonly options: ResolvedApiKeysOptions,
    @Inject(API_KEYS_FAILED_ATTEMPTS) protected readonly failedAttempts: FailedAttempts | null,
  ) {}

  /**
   * True, or a promise of true; a denial throws its HTTP error. Synchronous when the cache
   * decides (Nest then skips an await per request), so call it as Nest does: `await` it.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.shouldSkip(context)) return true;
    return this.authenticate(context, this.getRequirements(context));
  }

  /**
   * Verifies the request's key against `requirements`; throws the mapped HTTP error on denial.
   * Answers without a promise when the key cache decides for a key this instance already saw
   * valid (most requests of a warm app).
   */
  protected authenticate(context: ExecutionContext, requirements: VerifyOptions): boolean | Promise<boolean> {
    const request = this.getRequest(context);
    const raw = this.extractKey(request);
    if (raw === undefined) {
      if (this.routeOf(context).optional) return true;
      return this.onDenied(context, 'MISSING');
    }
    // One SHA-256 per request, shared by brute-force counting and the lookup.
    const keyHash = sha256Hex(raw);
    // The address once: Express computes `request.ip` anew on every read (proxy-addr).
    const clientIp = this.getClientIp(request);
    // Counted before the lookup (given back if the key is valid), so a burst from one client
    // reaches the store at most `limit` times; past it, answered before any database work.
    const gate = this.failedAttempts?.begin(this.getTracker(request, clientIp), keyHash);
    if (gate && gate.retryAfterMs > 0) return this.onDenied(context, 'TOO_MANY_ATTEMPTS', { retryAfterMs: gate.retryAfterMs });
    // No attempt for a key this instance already verified valid: nothing to settle or remember.
    const attempt = gate?.attempt;
    // Object.assign, not a spread: `{ ...requirements, ip }` costs ~1.5 µs on Node 20.
    const options: VerifyOptions = Object.assign({}, requirements);
    options.ip = clientIp;
    let verifying: VerifyResult | Promise<VerifyResult>;
    try {
      verifying = this.apiKeys.verifyNow(raw, options, keyHash);
    } catch (error) {
      return this.afterError(context, attempt, error);
    }
    if (!attempt && !(verifying instanceof Promise)) return this.admit(context, request, verifying);
    return this.settle(context, request, keyHash, attempt, verifying);
  }

  /** Waits for the verify, settles the counted attempt, then admits or denies. */
  private async settle(
    context: ExecutionContext,
    request: any,
    keyHash: string,
    attempt: FailedAttempt | undefined,
    verifying: VerifyResult | Promise<VerifyResult>,
  ): Promise<boolean> {
    let result: VerifyResult;
    try {
      result = await verifying;
    } catch (error) {
      return this.afterError(context, attempt, error);
    }
    if (attempt) {
      await attempt.settle(result.code === 'MALFORMED' || result.code === 'NOT_FOUND');
      if (result.valid) this.failedAttempts!.rememberValid(keyHash);
    }
    return this.admit(context, request, result);
  }

  /** A verify that threw: the attempt is given back; a store outage is 503, anything else stays a 500. */
  private async afterError(context: ExecutionContext, attempt: FailedAttempt | undefined, error: unknown): Promise<never> {
    if (attempt) await attempt.settle(false);
    if (error instanceof StoreUnavailableError) {
      this.logger.warn(`API key store unavailable: ${error.reason}`);
      return this.onDenied(context, 'STORE_UNAVAILABLE');
    }
    throw error;
  }

  /** Attaches the principal of a VALID result (with its rate-limit headers), or answers the denial. */
  private admit(context: ExecutionContext, request: any, result: VerifyResult): boolean {
    if (!result.valid) return this.onDenied(context, result.code as DenialCode, result);
    if (result.rateLimit) this.setHeaders(context, rateLimitHeaders(result.rateLimit, this.options.clock.now()));
    request[REQUEST_API_KEY_PROPERTY] = result.key;
    request[REQUEST_VERIFICATION_PROPERTY] = result;
    return true;
  }

  /** The request object (override for GraphQL or WebSocket contexts). */
  protected getRequest(context: ExecutionContext): any {
    return context.switchToHttp().getRequest();
  }

  /** The response object headers are set on (override with getRequest). */
  protected getResponse(context: ExecutionContext): any {
    return context.switchToHttp().getResponse();
  }

  /**
   * The client's address, checked against a key's `allowedIps`: `request.ip` (Express's and
   * Fastify's, which honour `trust proxy`) with `::ffff:` IPv4 mapping removed.
   */
  protected getClientIp(request: any): string | undefined {
    return normalizeIp(request.ip ?? request.socket?.remoteAddress);
  }

  /**
   * Who the client is for brute-force protection: its IPv4 address, its IPv6 /64, or one shared
   * `'unknown'` client without an address (never unthrottled). Override behind proxies that do
   * not set `request.ip`. `clientIp`: what getClientIp answered for this request.
   */
  protected getTracker(request: any, clientIp: string | undefined = this.getClientIp(request)): string {
    return trackerOf(clientIp);
  }

  /** The raw key from the configured sources, or undefined when none is present. */
  protected extractKey(request: any): string | undefined {
    return extractKey(request, this.options.sources, (value) => this.apiKeys.looksLikeKey(value));
  }

  /** What the route requires, from its decorators (method level overrides class level). */
  protected getRequirements(context: ExecutionContext): VerifyOptions {
    return this.routeOf(context).requirements;
  }

  /** Whether the route opted out with `@SkipApiKey()`. */
  protected shouldSkip(context: ExecutionContext): boolean {
    return this.routeOf(context).skip;
  }

  /** Sets the denial's headers and throws its HTTP error. Override to change the answer. */
  protected onDenied(context: ExecutionContext, code: DenialCode, result?: Partial<VerifyResult>): never {
    const limitHeaders = code === 'RATE_LIMITED' && result?.rateLimit ? rateLimitHeaders(result.rateLimit, this.options.clock.now()) : {};
    this.setHeaders(context, { ...limitHeaders, ...denialHeaders(code, result?.retryAfterMs) });
    throw apiKeysHttpException(DENIAL_STATUS[code], code, result?.message ?? messageOf(code));
  }

  /** Sets headers through the HTTP adapter, so Express and Fastify behave alike. */
  protected setHeaders(context: ExecutionContext, headers: Record<string, string>): void {
    const response = this.getResponse(context);
    const adapter = this.adapterHost?.httpAdapter;
    if (!response || !adapter) return;
    for (const [name, value] of Object.entries(headers)) adapter.setHeader(response, name, value);
  }

  /**
   * The route's decorators, read once per handler and class: metadata is fixed once the app is
   * built, and reading it on every request is a measurable part of a warm guard.
   */
  private routeOf(context: ExecutionContext): RouteMetadata {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byController = this.routes.get(handler);
    if (!byController) this.routes.set(handler, (byController = new WeakMap()));
    let route = byController.get(controller);
    if (!route) byController.set(controller, (route = this.readRoute([handler, controller])));
    return route;
  }

  private readRoute(targets: [Function, Function]): RouteMetadata {
    const flag = (key: string) => this.reflector.getAllAndOverride<boolean | undefined>(key, targets) === true;
    return {
      skip: flag(SKIP_API_KEY_KEY),
      optional: flag(OPTIONAL_API_KEY_KEY),
      requirements: {
        permissions: this.reflector.getAllAndOverride<PermissionRequirement | undefined>(REQUIRE_PERMISSIONS_KEY, targets),
        roles: this.reflector.getAllAndOverride<string[] | undefined>(REQUIRE_ROLES_KEY, targets),
        cost: this.reflector.getAllAndOverride<number | undefined>(API_KEY_COST_KEY, targets),
      },
    };
  }
}

/** What a route's decorators say to the guard. */
interface RouteMetadata {
  skip: boolean;
  optional: boolean;
  requirements: VerifyOptions;
}
