/**
 * Lifecycle events over HTTP: reads the server's `/v1/events` stream of
 * server-sent events and hands each `lifecycle` event to a listener. A
 * stream that breaks is opened again after a second, until unsubscribed.
 * @module
 */
import type { DriverDomainEvent } from "../../src/connect.ts";
import type { HttpTransport } from "./transport.ts";

/** How long to wait before reopening a broken stream (ms). */
const RETRY_DELAY = 1000;

/**
 * Splits a server-sent event stream into events, calling `onEvent` with each
 * event's name and data.
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (name: string, data: string) => void,
): Promise<void> {
  let buffer = "";
  let name = "message";
  let data: string[] = [];
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, nl).replace(/\r$/, "");
      buffer = buffer.slice(nl + 1);
      if (line === "") {
        if (data.length) onEvent(name, data.join("\n"));
        name = "message";
        data = [];
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
      }
    }
  }
}

/**
 * Subscribes `listener` to the server's lifecycle events; returns the
 * function that stops the subscription.
 */
export function subscribeEvents(
  http: HttpTransport,
  listener: (e: DriverDomainEvent) => void,
): () => void {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    try {
      const res = await http.send("GET", "/v1/events", { signal: abort.signal });
      await readEventStream(res.body!, (name, data) => {
        if (name !== "lifecycle") return;
        const e = JSON.parse(data);
        listener({ domain: e.domain, event: e.event, detail: e.detail });
      });
    } catch {
      // the stream broke or was aborted
    }
    if (!abort.signal.aborted) timer = setTimeout(run, RETRY_DELAY);
  };
  run();
  return () => {
    abort.abort();
    clearTimeout(timer);
  };
}
