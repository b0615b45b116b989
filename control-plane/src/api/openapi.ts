/**
 * One place where a route's input schemas live: the same zod schemas validate requests
 * (`validate`) and generate the OpenAPI 3.1 document served at /openapi.json. A router
 * registers its routes through a `RouteGroup`, so a route cannot exist without appearing
 * in the document.
 *
 *   const routes = new RouteGroup(registry, '/api/queues', { tag: 'queues' });
 *   routes.get('/:id', { summary: 'One queue', roles: READERS, params: z.object({ id: z.string() }) },
 *     async (req, res, { params }) => { res.json(await queues.get(params.id)); });
 *   app.use('/api/queues', routes.router);
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import { ValidationError } from './errors.js';
import type { Role } from './roles.js';
import { requireRole } from './auth/requireRole.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyZod = z.ZodType;

export interface RouteSpec<P extends AnyZod | undefined, Q extends AnyZod | undefined, B extends AnyZod | undefined> {
  summary: string;
  description?: string;
  /** Who may call it; `public` routes need no API key. */
  roles: readonly Role[] | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /** Schema of the success response body (documentation only). */
  response?: AnyZod;
  /** Success status and content type (default 200, application/json). */
  status?: number;
  contentTypes?: string[];
}

type Out<S> = S extends AnyZod ? z.output<S> : undefined;
export interface Input<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
}

export type Handler<P, Q, B> = (req: Request, res: Response, input: Input<P, Q, B>) => Promise<void> | void;

interface RegisteredRoute {
  method: Method;
  path: string; // express style, full path
  tag: string;
  spec: RouteSpec<AnyZod | undefined, AnyZod | undefined, AnyZod | undefined>;
}

/** Collects every route's schemas; produces the OpenAPI document. */
export class ApiRegistry {
  readonly #routes: RegisteredRoute[] = [];

  constructor(readonly info: { title: string; version: string; description?: string } = { title: 'Switchboard API', version: '1' }) {}

  add(route: RegisteredRoute): void {
    if (this.#routes.some((r) => r.method === route.method && r.path === route.path)) {
      throw new Error(`route ${route.method.toUpperCase()} ${route.path} is registered twice`);
    }
    this.#routes.push(route);
  }

  get routes(): ReadonlyArray<{ method: Method; path: string }> {
    return this.#routes.map(({ method, path }) => ({ method, path }));
  }

  document(): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.#routes) {
      const oaPath = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const op: Record<string, unknown> = {
        summary: r.spec.summary,
        tags: [r.tag],
        operationId: `${r.method}${oaPath.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      };
      if (r.spec.description) op.description = r.spec.description;
      if (r.spec.roles === 'public') op.security = [];
      else op['x-roles'] = [...r.spec.roles];
      const parameters = [...objectParameters(r.spec.params, 'path'), ...objectParameters(r.spec.query, 'query')];
      if (parameters.length) op.parameters = parameters;
      if (r.spec.body) {
        op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.spec.body) } } };
      }
      const okContent: Record<string, unknown> = {};
      for (const ct of r.spec.contentTypes ?? ['application/json']) {
        okContent[ct] = ct === 'application/json' && r.spec.response ? { schema: jsonSchema(r.spec.response, 'output') } : {};
      }
      const responses: Record<string, unknown> = {
        [String(r.spec.status ?? 200)]: { description: 'Success', content: okContent },
      };
      if (r.spec.params || r.spec.query || r.spec.body) responses['400'] = { $ref: '#/components/responses/ValidationError' };
      if (r.spec.roles !== 'public') {
        responses['401'] = { $ref: '#/components/responses/Unauthorized' };
        responses['403'] = { $ref: '#/components/responses/Forbidden' };
        responses['429'] = { $ref: '#/components/responses/RateLimited' };
      }
      op.responses = responses;
      (paths[oaPath] ??= {})[r.method] = op;
    }
    const error = {
      type: 'object',
      properties: { error: { type: 'string' }, field: { type: 'string' }, reason: { type: 'string' } },
      required: ['error'],
    };
    const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
    return {
      openapi: '3.1.0',
      info: this.info,
      security: [{ ApiKey: [] }, { Bearer: [] }],
      paths,
      components: {
        securitySchemes: {
          ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          Bearer: { type: 'http', scheme: 'bearer' },
        },
        schemas: { Error: error },
        responses: {
          ValidationError: errorResponse('Invalid input: `field` names the input and `reason` says what is wrong'),
          Unauthorized: errorResponse('No API key, or an unknown or revoked one'),
          Forbidden: errorResponse("The key's role may not call this route"),
          RateLimited: errorResponse('Too many requests for this key'),
        },
      },
    };
  }
}

function jsonSchema(schema: AnyZod, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

function objectParameters(schema: AnyZod | undefined, where: 'path' | 'query'): Array<Record<string, unknown>> {
  if (!schema) return [];
  const s = jsonSchema(schema);
  const props = (s.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, propSchema]) => {
    const { description, ...rest } = propSchema;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      schema: rest,
      ...(description ? { description } : {}),
    };
  });
}

/** Turns a zod failure into the first problem's field and reason (all listed in `issues`). */
export function toValidationError(where: 'params' | 'query' | 'body', error: z.ZodError): ValidationError {
  const issues = error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    reason: readableReason(issue),
  }));
  const first = issues[0] ?? { field: where, reason: 'invalid' };
  const err = new ValidationError(first.field, first.reason);
  if (err.details && issues.length > 1) err.details.issues = issues;
  return err;
}

function readableReason(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return 'is required';
  return issue.message.replace(/^Invalid input: /, '');
}

/**
 * Validates params, query and body with the given schemas; the parsed values are in
 * `res.locals.input`. A failure answers 400 `{ error, field, reason, issues }`.
 */
export function validate(schemas: { params?: AnyZod; query?: AnyZod; body?: AnyZod }): RequestHandler {
  return (req, res, next) => {
    const input: Record<string, unknown> = {};
    for (const where of ['params', 'query', 'body'] as const) {
      const schema = schemas[where];
      if (!schema) continue;
      const raw: unknown = where === 'body' ? (req.body ?? {}) : req[where];
      const result = schema.safeParse(raw);
      if (!result.success) return next(toValidationError(where, result.error));
      input[where] = result.data;
    }
    res.locals.input = input;
    next();
  };
}

/** A set of routes under one path prefix, registered in the registry as they are defined. */
export class RouteGroup {
  readonly router: Router = express.Router({ mergeParams: true });

  constructor(
    readonly registry: ApiRegistry,
    readonly prefix: string,
    readonly options: { tag: string },
  ) {}

  get<P extends AnyZod | undefined = undefined, Q extends AnyZod | undefined = undefined, B extends AnyZod | undefined = undefined>(
    path: string, spec: RouteSpec<P, Q, B>, handler: Handler<P, Q, B>): this {
    return this.#add('get', path, spec, handler);
  }
  post<P extends AnyZod | undefined = undefined, Q extends AnyZod | undefined = undefined, B extends AnyZod | undefined = undefined>(
    path: string, spec: RouteSpec<P, Q, B>, handler: Handler<P, Q, B>): this {
    return this.#add('post', path, spec, handler);
  }
  put<P extends AnyZod | undefined = undefined, Q extends AnyZod | undefined = undefined, B extends AnyZod | undefined = undefined>(
    path: string, spec: RouteSpec<P, Q, B>, handler: Handler<P, Q, B>): this {
    return this.#add('put', path, spec, handler);
  }
  patch<P extends AnyZod | undefined = undefined, Q extends AnyZod | undefined = undefined, B extends AnyZod | undefined = undefined>(
    path: string, spec: RouteSpec<P, Q, B>, handler: Handler<P, Q, B>): this {
    return this.#add('patch', path, spec, handler);
  }
  delete<P extends AnyZod | undefined = undefined, Q extends AnyZod | undefined = undefined, B extends AnyZod | undefined = undefined>(
    path: string, spec: RouteSpec<P, Q, B>, handler: Handler<P, Q, B>): this {
    return this.#add('delete', path, spec, handler);
  }

  #add<P extends AnyZod | undefined, Q extends AnyZod | undefined, B extends AnyZod | undefined>(
    method: Method, path: string, spec: RouteSpec<P, Q, B>, handler: Handler<P, Q, B>): this {
    const full = (this.prefix + (path === '/' ? '' : path)) || '/';
    this.registry.add({ method, path: full, tag: this.options.tag, spec: spec as RouteSpec<AnyZod | undefined, AnyZod | undefined, AnyZod | undefined> });
    const chain: RequestHandler[] = [];
    if (spec.roles !== 'public') chain.push(requireRole(...spec.roles));
    if (spec.params || spec.query || spec.body) {
      chain.push(validate({ params: spec.params, query: spec.query, body: spec.body }));
    }
    chain.push(async (req, res) => {
      const input = (res.locals.input ?? {}) as Partial<Input<P, Q, B>>;
      await handler(req, res, { params: input.params, query: input.query, body: input.body } as Input<P, Q, B>);
    });
    this.router[method](path, ...chain);
    return this;
  }
}

/** Lists every route mounted in an express app or router (for the "document is in sync" check). */
export function listMountedRoutes(router: unknown, prefix = ''): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  const stack = (router as { stack?: unknown[]; router?: { stack?: unknown[] } }).stack ??
    (router as { router?: { stack?: unknown[] } }).router?.stack ?? [];
  for (const layer of stack as Array<{ route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] }; rawPath?: unknown }>) {
    if (layer.route) {
      for (const [m, on] of Object.entries(layer.route.methods)) {
        if (on && m !== '_all') out.push({ method: m, path: prefix + (layer.route.path === '/' && prefix ? '' : layer.route.path) });
      }
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      out.push(...listMountedRoutes(layer.handle, prefix + mount));
    }
  }
  return out;
}
