/**
 * The one error type the project throws. It carries libvirt's three pieces of
 * error information: a `code` (what went wrong), a `domain` (which subsystem
 * raised it) and a human-readable `message`.
 *
 * @example
 * ```ts
 * throw new VirtError("xml-detail", "domain", "missing <name> element");
 * ```
 * @module
 */

/** What went wrong, named after libvirt's `virErrorNumber` values. */
export type ErrorCode =
  | "internal-error"
  | "no-memory"
  | "invalid-arg"
  | "xml-error"
  | "xml-detail"
  | "config-unsupported"
  | "operation-invalid"
  | "operation-failed"
  | "operation-unsupported"
  | "operation-denied"
  | "operation-timeout"
  | "no-support"
  | "no-connect"
  | "invalid-conn"
  | "no-domain"
  | "dom-exist"
  | "no-network"
  | "network-exist"
  | "no-secret"
  | "no-node-device"
  | "auth-failed"
  | "system-error"
  | "parse-failed"
  | "resource-busy"
  | "argument-unsupported";

/** Which subsystem raised the error, after libvirt's `virErrorDomain`. */
export type ErrorDomain =
  | "xml"
  | "domain"
  | "network"
  | "secret"
  | "nodedev"
  | "capabilities"
  | "uri"
  | "remote"
  | "test"
  | "qemu"
  | "lxc"
  | "vmx"
  | "bhyve"
  | "openvz"
  | "spectrum"
  | "vde"
  | "system"
  | "cli"
  | "server"
  | "conf";

/** An error with libvirt's code/domain/message triple. */
export class VirtError extends Error {
  /** What went wrong. */
  readonly code: ErrorCode;
  /** Which subsystem raised it. */
  readonly domain: ErrorDomain;

  /**
   * @param code what went wrong
   * @param domain which subsystem raised it
   * @param message a sentence for a human, naming the field or line at fault
   */
  constructor(code: ErrorCode, domain: ErrorDomain, message: string) {
    super(message);
    this.name = "VirtError";
    this.code = code;
    this.domain = domain;
  }

  /** The error as a plain object, as the HTTP API and `--json` print it. */
  toJSON(): { code: ErrorCode; domain: ErrorDomain; message: string } {
    return { code: this.code, domain: this.domain, message: this.message };
  }
}

/** Shorthand for the most common error: a definition that is wrong. */
export function xmlError(domain: ErrorDomain, message: string): VirtError {
  return new VirtError("xml-detail", domain, message);
}

/** Shorthand for a definition asking for something that is not supported. */
export function unsupported(domain: ErrorDomain, message: string): VirtError {
  return new VirtError("config-unsupported", domain, message);
}
