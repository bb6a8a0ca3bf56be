/**
 * Bearer tokens for the HTTP API. A token file holds one token a line,
 * optionally preceded by a name for the audit log (`alice 3f9c...`); blank
 * lines and lines starting with `#` are skipped. The file must not be
 * readable by other users, and every token must be at least
 * {@link MIN_TOKEN_LENGTH} characters long.
 * @module
 */
import { VirtError } from "../errors.ts";

/** The shortest token accepted. */
export const MIN_TOKEN_LENGTH = 16;

/** One accepted token and who presents it. */
export interface TokenEntry {
  /** The name written in the audit log. */
  name: string;
  token: Uint8Array;
}

const encoder = new TextEncoder();

function fail(path: string, why: string): never {
  throw new VirtError("auth-failed", "server", `token file '${path}': ${why}`);
}

/**
 * Parses a token file's text.
 *
 * @throws VirtError `auth-failed` naming the line of a malformed or short entry, or an empty file
 */
export function parseTokens(text: string, path: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const words = line.split(/\s+/);
    if (words.length > 2) fail(path, `line ${i + 1}: expected TOKEN or NAME TOKEN`);
    const token = words[words.length - 1];
    const name = words.length === 2 ? words[0] : `token@${i + 1}`;
    if (token.length < MIN_TOKEN_LENGTH) {
      fail(path, `line ${i + 1}: the token is shorter than ${MIN_TOKEN_LENGTH} characters`);
    }
    entries.push({ name, token: encoder.encode(token) });
  });
  if (!entries.length) fail(path, "it holds no token");
  return entries;
}

/**
 * Reads a token file, refusing one that group or other users may read or write.
 *
 * @throws VirtError `auth-failed` when the file is missing, too open or malformed
 */
export async function loadTokens(path: string): Promise<TokenEntry[]> {
  let info: Deno.FileInfo;
  let text: string;
  try {
    info = await Deno.stat(path);
    text = await Deno.readTextFile(path);
  } catch (e) {
    fail(path, e instanceof Error ? e.message : String(e));
  }
  if (info.mode !== null && (info.mode & 0o077) !== 0) {
    fail(
      path,
      `other users may access it (mode ${(info.mode & 0o777).toString(8)}); make it mode 600`,
    );
  }
  return parseTokens(text, path);
}

/** Compares a presented token with a secret one in time that depends only on the presented length. */
function sameBytes(given: Uint8Array, secret: Uint8Array): boolean {
  let diff = given.length ^ secret.length;
  for (let i = 0; i < given.length; i++) diff |= given[i] ^ (secret[i] ?? 0);
  return diff === 0;
}

/**
 * The name of the token in an `Authorization: Bearer TOKEN` header, or
 * undefined when the header is missing, malformed or names no known token.
 * Every token is compared, so the time taken does not tell which one matched.
 */
export function checkBearer(header: string | null, tokens: TokenEntry[]): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return undefined;
  const given = encoder.encode(m[1]);
  let found: string | undefined;
  for (const t of tokens) if (sameBytes(given, t.token) && found === undefined) found = t.name;
  return found;
}
