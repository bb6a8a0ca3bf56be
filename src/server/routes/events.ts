/**
 * Lifecycle events as server-sent events: `GET /v1/events` streams one
 * `lifecycle` event per domain event of the connection until the client
 * goes away or the server shuts down.
 * @module
 */
import { DOMAIN_EVENT_NAMES, type DriverDomainEvent } from "../../connect.ts";
import type { RouteSpec } from "../route.ts";

/** How often an idle stream gets a comment line, so proxies keep it open (ms). */
const PING_INTERVAL = 15_000;

/** An event as the stream's `data:` line carries it. */
export function eventJson(e: DriverDomainEvent): Record<string, unknown> {
  const names = DOMAIN_EVENT_NAMES[e.event];
  return {
    domain: e.domain,
    event: e.event,
    detail: e.detail,
    type: names?.[0] ?? "unknown",
    reason: names?.[1][e.detail] ?? "unknown",
  };
}

/** The events route. */
export const EVENT_ROUTES: RouteSpec[] = [{
  method: "GET",
  path: "/v1/events",
  operationId: "streamEvents",
  summary: "domain lifecycle events as server-sent events (event name 'lifecycle')",
  tag: "events",
  query: [{
    name: "domain",
    type: "string",
    description: "only events of the domain with this name",
  }],
  response: {
    status: 200,
    type: "sse",
    schema: "LifecycleEvent",
    description: "a stream of 'lifecycle' events whose data is a LifecycleEvent",
  },
  handler: async (ctx) => {
    const conn = await ctx.conn();
    const only = ctx.query("domain");
    const encoder = new TextEncoder();
    let cleanup = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let n = 0;
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            cleanup();
          }
        };
        const unsubscribe = conn.driver.subscribe((e) => {
          if (only !== undefined && e.domain.name !== only) return;
          send(`id: ${++n}\nevent: lifecycle\ndata: ${JSON.stringify(eventJson(e))}\n\n`);
        });
        const ping = setInterval(() => send(": ping\n\n"), PING_INTERVAL);
        let removeShutdown = () => {};
        cleanup = () => {
          unsubscribe();
          clearInterval(ping);
          removeShutdown();
        };
        removeShutdown = ctx.onShutdown(() => {
          cleanup();
          try {
            controller.close();
          } catch {
            // already closed
          }
        });
        send(": subscribed\n\n");
      },
      cancel() {
        cleanup();
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  },
}];
