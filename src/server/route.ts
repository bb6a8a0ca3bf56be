/**
 * The shape of one API route: what the OpenAPI document says about it and
 * the handler that serves it. The route tables (`routes/*.ts`) are the one
 * source for both the hono app and `/v1/openapi.json`.
 * @module
 */
import type { Connection } from "../connect.ts";
import { HttpError } from "./errors.ts";

/** How a listener was configured, passed to the app with each request. */
export interface ListenerInfo {
  /** How the audit log names it: `unix:/run/virtkit/virtkit-sock`, `tcp:127.0.0.1:16509`. */
  label: string;
  /** Only reading requests (GET, HEAD) are allowed. */
  readonly: boolean;
  /** Requests must carry a bearer token. */
  needsToken: boolean;
}

/** What each request carries besides itself: its listener and peer. */
export interface RequestBindings {
  listener: ListenerInfo;
  /** The client's address, when known (`127.0.0.1:40312`). */
  remote?: string;
  /** The verified client certificate's subject, on a TLS listener that checks them. */
  peer?: string;
}

/** A query parameter, for the OpenAPI document. */
export interface QueryDoc {
  name: string;
  type: "integer" | "boolean" | "string";
  description: string;
  /** Allowed values of a string parameter. */
  values?: readonly string[];
}

/** What a route answers on success. */
export interface ResponseDoc {
  status: number;
  /** `json` with a schema name, `xml`, `text`, `binary`, or `sse` for an event stream. */
  type: "json" | "xml" | "text" | "binary" | "sse";
  /** A component schema name (`DomainSummary`), `[Name]` for an array of them. */
  schema?: string;
  description: string;
}

/** What a handler works with. */
export interface ApiContext {
  /** The raw request. */
  readonly req: Request;
  /** The request's listener is read-only. */
  readonly readonly: boolean;
  /** The connection the request names, opened on first use. */
  conn(): Promise<Connection>;
  /** The canonical URI of that connection (after {@link conn}). */
  uri(): string;
  /** A path parameter, decoded. */
  param(name: string): string;
  /** A query parameter, or undefined. */
  query(name: string): string | undefined;
  /** The whole body as text, within the server's size limit. */
  body(): Promise<string>;
  /** The body as a JSON object. */
  json(): Promise<Record<string, unknown>>;
  /** Runs `fn` after every earlier call with the same key on this connection has finished. */
  locked<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Registers a function to call when the server shuts down; returns its remover. */
  onShutdown(fn: () => void): () => void;
}

/** One route of the API. */
export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** The path in hono's syntax, under `/v1` (`/v1/domains/:name`). */
  path: string;
  /** The OpenAPI operation id. */
  operationId: string;
  /** A short summary. */
  summary: string;
  /** Groups routes in the document: `host`, `domains`, `networks`, `events`. */
  tag: string;
  query?: QueryDoc[];
  /** The request body, when the route takes one. */
  body?: { type: "xml" | "json"; schema?: string; description: string };
  response: ResponseDoc;
  /**
   * A POST that changes nothing (a conversion): allowed on read-only
   * listeners and left out of the audit log. Only for paths without parameters.
   */
  reads?: boolean;
  handler(ctx: ApiContext): Promise<Response>;
}

const JSON_HEADERS = { "content-type": "application/json" };
const XML_HEADERS = { "content-type": "application/xml; charset=utf-8" };

/** A JSON response. */
export function jsonResponse(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: JSON_HEADERS });
}

/** A plain text response. */
export function textResponse(text: string): Response {
  return new Response(text, { headers: { "content-type": "text/plain; charset=utf-8" } });
}

/**
 * An integer query parameter, `fallback` when absent.
 *
 * @throws HttpError 400 when it is not an integer
 */
export function intParam(ctx: ApiContext, name: string, fallback: number): number {
  const v = ctx.query(name);
  if (v === undefined || v === "") return fallback;
  if (!/^-?\d{1,10}$/.test(v)) {
    throw new HttpError(400, "invalid-arg", `bad value '${v}' for '${name}': expected an integer`);
  }
  return Number(v);
}

/**
 * A required string query parameter.
 *
 * @throws HttpError 400 when it is missing
 */
export function requiredParam(ctx: ApiContext, name: string): string {
  const v = ctx.query(name);
  if (v === undefined) throw new HttpError(400, "invalid-arg", `missing query parameter '${name}'`);
  return v;
}

/** An XML response. */
export function xmlResponse(text: string): Response {
  return new Response(text, { headers: XML_HEADERS });
}

/**
 * The `flags` query parameter: a non-negative integer of libvirt flag bits, 0 when absent.
 *
 * @throws HttpError 400 when it is not such a number
 */
export function flagsParam(ctx: ApiContext): number {
  const v = ctx.query("flags");
  if (v === undefined || v === "") return 0;
  if (!/^\d{1,10}$/.test(v) || Number(v) > 0xffffffff) {
    throw new HttpError(
      400,
      "invalid-arg",
      `bad value '${v}' for 'flags': expected a non-negative integer`,
    );
  }
  return Number(v);
}

/**
 * A boolean query parameter: `true`/`1`/empty or `false`/`0`; false when absent.
 *
 * @throws HttpError 400 for any other value
 */
export function boolParam(ctx: ApiContext, name: string): boolean {
  const v = ctx.query(name);
  if (v === undefined || v === "false" || v === "0") return false;
  if (v === "" || v === "true" || v === "1") return true;
  throw new HttpError(400, "invalid-arg", `bad value '${v}' for '${name}': expected true or false`);
}

/**
 * A `PUT .../autostart` route: checks the body `{"autostart": BOOL}`, has
 * `set` apply the setting, and answers with it.
 *
 * @throws HttpError 400 (from the handler) when the body has no boolean `autostart`
 */
export function autostartRoute(
  route: Pick<RouteSpec, "path" | "operationId" | "summary" | "tag" | "query">,
  set: (ctx: ApiContext, on: boolean) => Promise<void>,
): RouteSpec {
  return {
    method: "PUT",
    ...route,
    body: { type: "json", schema: "Autostart", description: '{"autostart": true}' },
    response: { status: 200, type: "json", schema: "Autostart", description: "the new setting" },
    handler: async (ctx) => {
      const body = await ctx.json();
      if (typeof body.autostart !== "boolean") {
        throw new HttpError(400, "invalid-arg", "the body needs a boolean 'autostart'");
      }
      const on = body.autostart;
      await set(ctx, on);
      return jsonResponse({ autostart: on });
    },
  };
}

/** Query documentation shared by routes that take libvirt flags. */
export const FLAGS_QUERY: QueryDoc = {
  name: "flags",
  type: "integer",
  description: "libvirt flag bits for the call (as the C API takes them)",
};
