/**
 * Output formatting shared by the commands: virsh's tables, domain state
 * and reason names, and errors (`CliError` and the `error:` line).
 * @module
 */
import { VirtError } from "../errors.ts";
import type { ErrorCode } from "../errors.ts";

/**
 * Formats rows as virsh prints a table: a header, a dashed rule as wide as
 * every column plus three spaces each, then rows; columns are left-aligned,
 * joined by three spaces, the last one unpadded.
 *
 * @example
 * ```ts
 * formatTable(["Id", "Name"], [["1", "test"]]); // " Id   Name\n-------------\n 1    test\n"
 * ```
 */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    " " +
    cells.map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i] - width(c)))).join(
      "   ",
    ) + "\n";
  const rule = "-".repeat(widths.reduce((a, w) => a + w + 3, 0)) + "\n";
  return line(header) + rule + rows.map(line).join("");
}

function width(s: string): number {
  return [...s].length;
}

/**
 * A command failure worded for the user: `message` is printed after
 * `error: `, followed by the underlying error when there is one.
 */
export class CliError extends Error {
  /**
   * @param message what failed, in virsh's wording where it has one
   * @param detail the error that made it fail
   */
  constructor(message: string, readonly detail?: unknown) {
    super(message);
    this.name = "CliError";
  }
}

/** Runs `f`, turning its failure into a {@link CliError} of `message` followed by the cause. */
export async function attempt<T>(message: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw new CliError(message, e);
  }
}

/** Case-insensitive ASCII order, as virsh sorts names. */
export function compareNames(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** virsh's names of the domain states, by `VIR_DOMAIN_*` number. */
export const STATE_NAMES = [
  "no state",
  "running",
  "idle",
  "paused",
  "in shutdown",
  "shut off",
  "crashed",
  "pmsuspended",
];

/** virsh's names of the reasons for each state, by state then reason number. */
const REASON_NAMES: string[][] = [
  ["unknown"],
  [
    "unknown",
    "booted",
    "migrated",
    "restored",
    "from snapshot",
    "unpaused",
    "migration canceled",
    "save canceled",
    "event wakeup",
    "crashed",
    "post-copy",
    "post-copy failed",
  ],
  ["unknown"],
  [
    "unknown",
    "user",
    "migrating",
    "saving",
    "dumping",
    "I/O error",
    "watchdog",
    "from snapshot",
    "shutting down",
    "creating snapshot",
    "crashed",
    "starting up",
    "post-copy",
    "post-copy failed",
  ],
  ["unknown", "user"],
  [
    "unknown",
    "shutdown",
    "destroyed",
    "crashed",
    "migrated",
    "saved",
    "failed",
    "from snapshot",
    "daemon",
  ],
  ["unknown", "panicked"],
  ["unknown"],
];

/** The name of a domain state. */
export function stateName(state: number): string {
  return STATE_NAMES[state] ?? "no state";
}

/** The name of the reason for a state. */
export function reasonName(state: number, reason: number): string {
  return REASON_NAMES[state]?.[reason] ?? "unknown";
}

/** How libvirt introduces each kind of error, so messages read as virsh prints them. */
const PREFIXES: Partial<Record<ErrorCode, string>> = {
  "internal-error": "internal error: ",
  "invalid-arg": "invalid argument: ",
  "xml-error": "XML error: ",
  "config-unsupported": "unsupported configuration: ",
  "operation-invalid": "Requested operation is not valid: ",
  "operation-failed": "operation failed: ",
  "operation-unsupported": "Operation not supported: ",
  "operation-denied": "operation forbidden: ",
  "operation-timeout": "Timed out during operation: ",
  "no-support": "this function is not supported by the connection driver: ",
  "no-domain": "Domain not found: ",
  "dom-exist": "operation failed: ",
  "no-network": "Network not found: ",
  "network-exist": "operation failed: ",
  "no-secret": "Secret not found: ",
  "no-node-device": "Node device not found: ",
  "auth-failed": "authentication failed: ",
  "resource-busy": "resource busy: ",
  "argument-unsupported": "argument unsupported: ",
};

/** An error as one line of text: libvirt's prefix for its code, then its message. */
export function describeError(e: unknown): string {
  if (e instanceof CliError) {
    return e.detail === undefined ? e.message : `${e.message}: ${describeError(e.detail)}`;
  }
  // URI errors already say what is wrong with the URI; the rest get libvirt's prefix.
  if (e instanceof VirtError) return (e.domain === "uri" ? "" : PREFIXES[e.code] ?? "") + e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** An error as JSON: the innermost `VirtError`'s code and domain, and the whole message. */
export function errorJson(
  e: unknown,
): { error: { code: string; domain: string; message: string } } {
  let inner = e;
  while (inner instanceof CliError && inner.detail !== undefined) inner = inner.detail;
  const v = inner instanceof VirtError ? inner : undefined;
  return {
    error: { code: v?.code ?? "cli", domain: v?.domain ?? "cli", message: describeError(e) },
  };
}
