/**
 * Reading request bodies whole, within a size limit, before any work starts:
 * a client that goes away while sending its body, or sends too much, changes
 * nothing.
 * @module
 */
import { HttpError } from "./errors.ts";

/** The default largest request body accepted, in bytes (4 MiB). */
export const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

function tooLarge(limit: number): HttpError {
  return new HttpError(
    413,
    "invalid-arg",
    `the request body is larger than the limit of ${limit} bytes`,
  );
}

/**
 * Reads the whole body of `req` as UTF-8 text.
 *
 * @throws HttpError 413 when the declared or actual length exceeds `limit`;
 *   400 when the client stops sending part-way or the text is not UTF-8
 */
export async function readBody(req: Request, limit: number): Promise<string> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, "invalid-arg", "the request body was cut short");
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  } catch {
    throw new HttpError(400, "invalid-arg", "the request body is not valid UTF-8");
  }
}

/** Reads a JSON object body, naming what is wrong with it. */
export async function readJsonObject(
  req: Request,
  limit: number,
): Promise<Record<string, unknown>> {
  const text = await readBody(req, limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(
      400,
      "invalid-arg",
      `the request body is not JSON: ${e instanceof Error ? e.message : e}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "invalid-arg", "the request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
