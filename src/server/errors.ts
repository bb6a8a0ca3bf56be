/**
 * How the HTTP API reports failures: every error is a JSON body
 * `{ code, domain, message }` (libvirt's triple, as {@link VirtError.toJSON}
 * writes it) with an HTTP status that fits the code.
 * @module
 */
import { type ErrorCode, VirtError } from "../errors.ts";

/** HTTP statuses by error code; codes not listed are 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  "invalid-arg": 400,
  "xml-error": 400,
  "xml-detail": 400,
  "parse-failed": 400,
  "config-unsupported": 400,
  "argument-unsupported": 400,
  "auth-failed": 401,
  "operation-denied": 403,
  "no-domain": 404,
  "no-network": 404,
  "no-secret": 404,
  "no-node-device": 404,
  "dom-exist": 409,
  "network-exist": 409,
  "operation-invalid": 409,
  "resource-busy": 409,
  "no-support": 501,
  "operation-unsupported": 501,
  "no-connect": 502,
  "operation-timeout": 504,
};

/** The HTTP status for an error code. */
export function httpStatus(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** The error codes the API answers with a status of their own, for the OpenAPI document. */
export function statusTable(): [ErrorCode, number][] {
  return Object.entries(STATUS) as [ErrorCode, number][];
}

/** An error raised by the server itself, with the status to answer with. */
export class HttpError extends VirtError {
  /**
   * @param status the HTTP status
   * @param code libvirt's error code
   * @param message a sentence naming what is wrong
   */
  constructor(readonly status: number, code: ErrorCode, message: string) {
    super(code, "server", message);
    this.name = "HttpError";
  }
}

/** Turns anything thrown by a handler into the JSON error body and its status. */
export function errorBody(e: unknown): { status: number; body: string } {
  if (e instanceof HttpError) return { status: e.status, body: JSON.stringify(e.toJSON()) };
  if (e instanceof VirtError) {
    return { status: httpStatus(e.code), body: JSON.stringify(e.toJSON()) };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    status: 500,
    body: JSON.stringify({ code: "internal-error", domain: "server", message }),
  };
}

/** A JSON error response. */
export function errorResponse(e: unknown, headers?: Record<string, string>): Response {
  const { status, body } = errorBody(e);
  return new Response(body, {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
