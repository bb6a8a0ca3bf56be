/**
 * Serving the app through `node:http`/`node:https` servers, for the two
 * listeners `Deno.serve` cannot provide: TLS that checks client
 * certificates, and sockets inherited from systemd (`listen({ fd })`).
 * Requests are turned into `Request` objects and responses streamed back.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { TLSSocket } from "node:tls";
import { errorResponse } from "./errors.ts";

/** What the adapter learned about a request's peer. */
export interface NodePeer {
  /** `HOST:PORT` of a TCP client. */
  remote?: string;
  /** The common name (or whole subject) of a verified client certificate. */
  certSubject?: string;
}

function peerOf(req: IncomingMessage): NodePeer {
  const sock = req.socket as TLSSocket;
  const peer: NodePeer = {};
  if (sock.remoteAddress) peer.remote = `${sock.remoteAddress}:${sock.remotePort}`;
  if (sock.authorized && typeof sock.getPeerCertificate === "function") {
    const subject: Record<string, string> | undefined = sock.getPeerCertificate()
      ?.subject as unknown as
        | Record<string, string>
        | undefined;
    if (subject) {
      peer.certSubject = subject.CN ??
        Object.entries(subject).map(([k, v]) => `${k}=${v}`).join(",");
    }
  }
  return peer;
}

function toRequest(req: IncomingMessage, scheme: string): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  const target = req.url ?? "/";
  // Some servers report the request target in absolute form already.
  const url = target.startsWith("/")
    ? `${scheme}://${headers.get("host") ?? "localhost"}${target}`
    : target;
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(url, {
    method,
    headers,
    body: hasBody ? Readable.toWeb(req) as ReadableStream<Uint8Array> : undefined,
    // @ts-ignore: `duplex` is required for a streamed body but missing from the type
    duplex: "half",
  });
}

async function writeResponse(res: ServerResponse, r: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  r.headers.forEach((v, k) => {
    const old = headers[k];
    headers[k] = old === undefined ? v : ([] as string[]).concat(old, v);
  });
  res.writeHead(r.status, headers);
  if (!r.body) {
    res.end();
    return;
  }
  const reader = r.body.getReader();
  const gone = () => reader.cancel().catch(() => {});
  res.on("close", gone);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    res.off("close", gone);
  }
}

/**
 * A `node:http` request listener that answers with `handle`.
 *
 * @param scheme `http` or `https`, for the request URL
 */
export function nodeListener(
  scheme: string,
  handle: (req: Request, peer: NodePeer) => Response | Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    (async () => {
      let response: Response;
      try {
        response = await handle(toRequest(req, scheme), peerOf(req));
      } catch (e) {
        response = errorResponse(e);
      }
      await writeResponse(res, response);
    })();
  };
}
