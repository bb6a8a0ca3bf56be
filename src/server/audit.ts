/**
 * The audit log: one JSON line for every request that asks for a change
 * (anything but GET and HEAD), whether it was allowed or not, saying who
 * asked, through which listener, from where, what, and the outcome.
 * @module
 */

/** One audit record. */
export interface AuditEntry {
  /** ISO 8601 time the answer was sent. */
  time: string;
  /** Who asked: `token:NAME`, `cert:SUBJECT`, or the listener for unauthenticated sockets. */
  who: string;
  /** The listener (`unix:/run/virtkit/virtkit-sock`, `tcp:127.0.0.1:16509`). */
  via: string;
  /** The client address, when known. */
  from?: string;
  method: string;
  /** The request path and query. */
  path: string;
  /** The HTTP status answered. */
  status: number;
  /** The error message, when the request failed. */
  error?: string;
}

/** Where audit records go. */
export class AuditLog {
  readonly #write: (line: string) => void;

  /** @param write receives each record as a line of JSON (with its newline) */
  constructor(write: (line: string) => void) {
    this.#write = write;
  }

  /** Writes one record. */
  record(entry: AuditEntry): void {
    this.#write(JSON.stringify(entry) + "\n");
  }
}

const encoder = new TextEncoder();

function writeAll(file: { writeSync(p: Uint8Array): number }, line: string): void {
  let data = encoder.encode(line);
  while (data.length) data = data.subarray(file.writeSync(data));
}

/**
 * An audit log appending to `path` (created with mode 0600), or writing to
 * standard error when no path is given.
 */
export function openAuditLog(path?: string): { log: AuditLog; close(): void } {
  if (!path) return { log: new AuditLog((l) => writeAll(Deno.stderr, l)), close() {} };
  const file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
  return { log: new AuditLog((l) => writeAll(file, l)), close: () => file.close() };
}
