/**
 * The HTTP API as a hono app: authentication, the read-only rule, the audit
 * log, JSON errors and every route of the route tables. Listeners call
 * {@link ServerApp.fetch} with the request and what they know about it
 * ({@link RequestBindings}).
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { withLock } from "../state/lock.ts";
import { AuditLog } from "./audit.ts";
import { checkBearer, type TokenEntry } from "./auth.ts";
import { readBody, readJsonObject } from "./body.ts";
import { ConnectionPool, requestUri, splitApiPath, URI_HEADER } from "./connections.ts";
import { errorResponse, HttpError } from "./errors.ts";
import { openApiDocument } from "./openapi.ts";
import { type ApiContext, type RequestBindings, type RouteSpec } from "./route.ts";
import { DOMAIN_ROUTES } from "./routes/domains.ts";
import { EVENT_ROUTES } from "./routes/events.ts";
import { HOST_ROUTES } from "./routes/host.ts";
import { NETWORK_ROUTES } from "./routes/networks.ts";
import { NODEDEV_ROUTES } from "./routes/nodedevs.ts";
import { SECRET_ROUTES } from "./routes/secrets.ts";

/** What the app needs to serve requests. */
export interface AppOptions {
  /** The connections requests reach. */
  pool: ConnectionPool;
  /** Accepted bearer tokens (needed by listeners with `needsToken`). */
  tokens: TokenEntry[];
  /** The largest request body accepted, in bytes. */
  maxBody: number;
  /** Where changes are recorded. */
  audit: AuditLog;
}

/** The app as listeners use it. */
export interface ServerApp {
  /** Answers one request. */
  fetch(req: Request, bindings: RequestBindings): Response | Promise<Response>;
  /** Ends event streams and other long requests. */
  shutdown(): void;
}

type AppEnv = { Bindings: RequestBindings; Variables: { who: string } };

const OPENAPI_ROUTE: RouteSpec = {
  method: "GET",
  path: "/v1/openapi.json",
  operationId: "getOpenApi",
  summary: "this document",
  tag: "api",
  response: { status: 200, type: "json", schema: "OpenApi", description: "the OpenAPI document" },
  handler: () => Promise.reject(new Error("served by the app")),
};

/** Every route of the API, in the order the document lists them. */
export const ROUTES: readonly RouteSpec[] = [
  ...HOST_ROUTES,
  ...DOMAIN_ROUTES,
  ...NETWORK_ROUTES,
  ...SECRET_ROUTES,
  ...NODEDEV_ROUTES,
  ...EVENT_ROUTES,
  OPENAPI_ROUTE,
];

function isReading(method: string): boolean {
  return method === "GET" || method === "HEAD";
}

/** The path of a request URL, still percent-encoded. */
function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start === -1) return "/";
  const q = url.indexOf("?", start);
  return url.slice(start, q === -1 ? undefined : q);
}

/** The request path without the connection prefix, for routing (hono decodes parameters). */
function routingPath(req: Request): string {
  return splitApiPath(rawPath(req.url)).api;
}

/** The connection prefix of a request path, decoded. */
function connectionPrefix(req: Request): string {
  const prefix = splitApiPath(rawPath(req.url)).prefix;
  try {
    return decodeURIComponent(prefix);
  } catch {
    throw new HttpError(400, "invalid-arg", `bad %-escape in the path prefix '${prefix}'`);
  }
}

/** Builds the app. */
export function createApp(opts: AppOptions): ServerApp {
  const closers = new Set<() => void>();
  const readingPosts = new Set(ROUTES.filter((r) => r.reads).map((r) => r.path));
  const app = new Hono<AppEnv>({ getPath: routingPath });
  let openApiText: string | undefined;

  app.onError((err) => errorResponse(err));
  app.notFound((c) =>
    errorResponse(
      new HttpError(
        404,
        "invalid-arg",
        `no route for ${c.req.method} ${new URL(c.req.url).pathname}`,
      ),
    )
  );

  app.use("*", async (c, next) => {
    const b = c.env;
    const l = b.listener;
    let who = b.peer !== undefined
      ? `cert:${b.peer}`
      : b.remote === undefined
      ? "local"
      : "anonymous";
    let refused: HttpError | undefined;
    if (l.needsToken) {
      const name = checkBearer(c.req.header("authorization") ?? null, opts.tokens);
      if (name === undefined) {
        refused = new HttpError(
          401,
          "auth-failed",
          "authentication required: send 'Authorization: Bearer TOKEN' with a token the server accepts",
        );
        who = "anonymous";
      } else who = `token:${name}`;
    }
    const reading = isReading(c.req.method) || readingPosts.has(routingPath(c.req.raw));
    if (!refused && !reading && l.readonly) {
      refused = new HttpError(
        403,
        "operation-denied",
        `read-only access prevents ${c.req.method} ${new URL(c.req.url).pathname}`,
      );
    }
    let res: Response;
    if (refused) {
      res = errorResponse(
        refused,
        refused.status === 401 ? { "www-authenticate": 'Bearer realm="virtkit"' } : undefined,
      );
      if (reading) return res;
    } else {
      c.set("who", who);
      await next();
      if (reading) return;
      res = c.res;
    }
    const url = new URL(c.req.url);
    let error: string | undefined;
    if (res.status >= 400) {
      try {
        error = (await res.clone().json()).message;
      } catch {
        // not a JSON error
      }
    }
    opts.audit.record({
      time: new Date().toISOString(),
      who,
      via: l.label,
      from: b.remote,
      method: c.req.method,
      path: url.pathname + url.search,
      status: res.status,
      error,
    });
    return res;
  });

  const context = (c: Context<AppEnv>): ApiContext => {
    let uri: string | undefined;
    let conn: Promise<Awaited<ReturnType<ConnectionPool["get"]>>> | undefined;
    const readonly = c.env.listener.readonly;
    return {
      req: c.req.raw,
      readonly,
      conn: async () => {
        conn ??= opts.pool.get(
          requestUri(connectionPrefix(c.req.raw), c.req.header(URI_HEADER) ?? null),
        );
        const got = await conn;
        uri = got.uri;
        return got.conn;
      },
      uri: () => {
        if (uri === undefined) throw new Error("uri() before conn()");
        return uri;
      },
      param: (name) => c.req.param(name) ?? "",
      query: (name) => c.req.query(name),
      body: () => readBody(c.req.raw, opts.maxBody),
      json: () => readJsonObject(c.req.raw, opts.maxBody),
      locked: (key, fn) => {
        if (uri === undefined) throw new Error("locked() before conn()");
        return withLock(`server\0${uri}\0${key}`, fn);
      },
      onShutdown: (fn) => {
        closers.add(fn);
        return () => closers.delete(fn);
      },
    };
  };

  for (const r of ROUTES) {
    if (r === OPENAPI_ROUTE) {
      app.get(r.path, () => {
        openApiText ??= JSON.stringify(openApiDocument(ROUTES));
        return new Response(openApiText, { headers: { "content-type": "application/json" } });
      });
      continue;
    }
    app.on(r.method, r.path, (c) => r.handler(context(c)));
  }

  return {
    fetch: (req, bindings) => app.fetch(req, bindings),
    shutdown: () => {
      for (const f of [...closers]) f();
      closers.clear();
    },
  };
}
