/**
 * Secret commands: secret-define, secret-undefine, secret-list,
 * secret-dumpxml, secret-set-value and secret-get-value, with virsh's
 * options and output. A secret is named by its UUID or, as a virtkit
 * extension, by its usage written `TYPE:ID` (`ceph:client.admin`).
 * @module
 */
import {
  type Connection,
  type Secret,
  SECRET_USAGE_NAMES,
  VIR_CONNECT_LIST_SECRETS_EPHEMERAL,
  VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL,
  VIR_CONNECT_LIST_SECRETS_NO_PRIVATE,
  VIR_CONNECT_LIST_SECRETS_PRIVATE,
  VIR_SECRET_DEFINE_VALIDATE,
} from "../connect.ts";
import { VirtError } from "../errors.ts";
import { readBytes, readFile } from "./files.ts";
import { attempt, CliError, compareNames, formatTable } from "./output.ts";
import type { CommandContext } from "./spec.ts";

const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** Looks a secret up by UUID, or by `TYPE:ID` usage when the word is no UUID. */
async function find(conn: Connection, word: string): Promise<Secret> {
  const usage = /^([a-z]+):(.+)$/.exec(word);
  const type = usage
    ? SECRET_USAGE_NAMES.indexOf(usage[1] as typeof SECRET_USAGE_NAMES[number])
    : -1;
  if (!UUID_RE.test(word) && usage && type > 0) {
    return await conn.secretLookupByUsage(type, usage[2]);
  }
  return await conn.secretLookupByUUIDString(word);
}

/** The secret the command's `secret` option names. */
async function lookupSecret(ctx: CommandContext): Promise<Secret> {
  const word = ctx.req("secret");
  const conn = await ctx.conn();
  try {
    return await find(conn, word);
  } catch (e) {
    throw new CliError(`failed to get secret '${word}'`, e);
  }
}

/** The usage column of `secret-list`: `TYPE ID`, or `Unused`. */
function usageText(s: Secret): string {
  const id = s.usageID();
  return s.usageType() && id !== undefined
    ? `${SECRET_USAGE_NAMES[s.usageType()]} ${id}`
    : "Unused";
}

/** `secret-define FILE`: defines or updates a secret. */
export async function secretDefine(ctx: CommandContext): Promise<void> {
  const file = ctx.req("file");
  const xml = await readFile(file);
  const conn = await ctx.conn();
  const flags = ctx.bool("validate") ? VIR_SECRET_DEFINE_VALIDATE : 0;
  const s = await attempt(
    `Failed to set attributes from ${file}`,
    () => conn.secretDefineXML(xml, flags),
  );
  if (ctx.json) ctx.printJson({ secret: s.UUIDString(), result: "defined" });
  else ctx.printExtra(`Secret ${s.UUIDString()} created\n`);
}

/** `secret-undefine SECRET`: removes a secret and its value. */
export async function secretUndefine(ctx: CommandContext): Promise<void> {
  const s = await lookupSecret(ctx);
  const uuid = s.UUIDString();
  await attempt(`Failed to delete secret ${uuid}`, () => s.undefine());
  if (ctx.json) ctx.printJson({ secret: uuid, result: "undefined" });
  else ctx.printExtra(`Secret ${uuid} deleted\n`);
}

const LIST_FILTERS: [string, number][] = [
  ["ephemeral", VIR_CONNECT_LIST_SECRETS_EPHEMERAL],
  ["no-ephemeral", VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL],
  ["private", VIR_CONNECT_LIST_SECRETS_PRIVATE],
  ["no-private", VIR_CONNECT_LIST_SECRETS_NO_PRIVATE],
];

/** `secret-list`: a table of secrets and their usages. */
export async function secretList(ctx: CommandContext): Promise<void> {
  const flags = LIST_FILTERS.reduce((acc, [o, bit]) => (ctx.bool(o) ? acc | bit : acc), 0);
  const conn = await ctx.conn();
  const list = (await attempt("Failed to list secrets", () => conn.listAllSecrets(flags)))
    .sort((a, b) => compareNames(a.UUIDString(), b.UUIDString()));
  if (ctx.json) {
    ctx.printJson(list.map((s) => ({
      uuid: s.UUIDString(),
      usage: s.usageType() ? { type: SECRET_USAGE_NAMES[s.usageType()], id: s.usageID() } : null,
      ephemeral: s.isEphemeral(),
      private: s.isPrivate(),
    })));
    return;
  }
  ctx.print(formatTable(["UUID", "Usage"], list.map((s) => [s.UUIDString(), usageText(s)])));
}

/** `secret-dumpxml SECRET`: the secret's XML (never its value). */
export async function secretDumpxml(ctx: CommandContext): Promise<void> {
  const s = await lookupSecret(ctx);
  const xml = await s.XMLDesc();
  if (ctx.json) ctx.printJson({ xml });
  else ctx.print(xml);
}

/** Decodes base64 text (whitespace ignored, padding optional). */
function decodeBase64(text: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(text.replace(/\s+/g, ""));
  } catch {
    throw new CliError(
      "Failed to set secret value",
      new VirtError("invalid-arg", "secret", "the value is not valid base64"),
    );
  }
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Base64 of bytes. */
function encodeBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/** Writes bytes to standard output or standard error at once (prompts, raw values, warnings). */
function writeNow(stream: { writeSync(p: Uint8Array): number }, data: Uint8Array | string): void {
  let bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  while (bytes.length) bytes = bytes.subarray(stream.writeSync(bytes));
}

/**
 * Reads one line from standard input, without echo when it is a terminal
 * (as virsh reads a password). Undefined at end of input before anything
 * was typed.
 */
function readSecretLine(): string | undefined {
  const tty = Deno.stdin.isTerminal();
  if (tty) Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  const buf = new Uint8Array(1);
  let ended = false;
  try {
    for (;;) {
      const n = Deno.stdin.readSync(buf);
      if (n === null || n === 0) {
        ended = true;
        break;
      }
      const c = buf[0];
      if (c === 0x0a || c === 0x0d) break;
      if (tty && (c === 0x03 || c === 0x04)) {
        ended = true;
        break;
      }
      if (tty && (c === 0x7f || c === 0x08)) bytes.pop();
      else bytes.push(c);
    }
  } finally {
    if (tty) {
      Deno.stdin.setRaw(false);
      writeNow(Deno.stdout, "\n");
    }
  }
  if (ended && bytes.length === 0) return undefined;
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function exclusive(ctx: CommandContext, a: string, b: string): void {
  const given = (o: string) => ctx.bool(o) || ctx.str(o) !== undefined;
  if (given(a) && given(b)) throw new CliError(`Options --${a} and --${b} are mutually exclusive`);
}

/**
 * `secret-set-value SECRET [BASE64] [--file FILE [--plain]] [--interactive]`:
 * sets the value from base64 on the command line, from a file (base64 text,
 * or raw bytes with `--plain`), or typed on the terminal (a plain value).
 */
export async function secretSetValue(ctx: CommandContext): Promise<void> {
  exclusive(ctx, "file", "base64");
  exclusive(ctx, "plain", "base64");
  exclusive(ctx, "interactive", "file");
  exclusive(ctx, "interactive", "plain");
  exclusive(ctx, "interactive", "base64");
  const s = await lookupSecret(ctx);
  const base64 = ctx.str("base64");
  const file = ctx.str("file");
  const interactive = ctx.bool("interactive");
  if (base64 === undefined && file === undefined && !interactive) {
    throw new CliError("Input secret value is missing");
  }
  if (base64 !== undefined && !ctx.json) {
    writeNow(Deno.stderr, "error: Passing secret value as command-line argument is insecure!\n");
  }
  let value: Uint8Array;
  if (file !== undefined) {
    const bytes = await readBytes(file);
    value = ctx.bool("plain") ? bytes : decodeBase64(new TextDecoder().decode(bytes));
  } else if (interactive) {
    if (!ctx.json) writeNow(Deno.stdout, "Enter new value for secret:");
    const line = readSecretLine();
    if (line === undefined) throw new CliError("Failed to read secret");
    value = new TextEncoder().encode(line);
  } else {
    value = decodeBase64(base64!);
  }
  if (value.length === 0) {
    throw new CliError(
      "Failed to set secret value",
      new VirtError("invalid-arg", "secret", "the secret value is empty"),
    );
  }
  await attempt("Failed to set secret value", () => s.setValue(value));
  if (ctx.json) ctx.printJson({ secret: s.UUIDString(), result: "value set" });
  else ctx.printExtra("Secret value set\n");
}

/** `secret-get-value SECRET [--plain]`: the value in base64, or raw; refused for private secrets. */
export async function secretGetValue(ctx: CommandContext): Promise<void> {
  const s = await lookupSecret(ctx);
  const value = await s.value();
  if (ctx.json) ctx.printJson({ secret: s.UUIDString(), value: encodeBase64(value) });
  else if (ctx.bool("plain")) writeNow(Deno.stdout, value);
  else ctx.print(`${encodeBase64(value)}\n`);
}
