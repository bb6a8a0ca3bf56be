/**
 * Connection URIs, in libvirt's form:
 * `driver[+transport]://[user@][host][:port]/path[?params]`.
 *
 * Local URIs name a driver and a path (`qemu:///system`, `qemu:///session`,
 * `lxc:///embed?root=/srv/vm`, `test:///default`, `test:///etc/host.xml`);
 * a transport or a host makes a URI remote (`qemu+ssh://root@host/system`).
 * Parsing checks the transport and every query parameter, so a typo is
 * reported by name instead of being silently ignored.
 *
 * @example
 * ```ts
 * const u = parseUri("qemu+ssh://root@example.com:2222/system?keyfile=/root/.ssh/id");
 * u.driver;    // "qemu"
 * u.transport; // "ssh"
 * u.params;    // [["keyfile", "/root/.ssh/id"]]
 * ```
 * @module
 */
import { VirtError } from "./errors.ts";

/** The transports a remote URI may name after `+`. */
export const TRANSPORTS = [
  "unix",
  "ssh",
  "libssh",
  "libssh2",
  "tls",
  "tcp",
  "ext",
  "http",
  "https",
] as const;

/** A transport to a remote or daemon-run driver. */
export type Transport = (typeof TRANSPORTS)[number];

/** Parameters every remote transport understands. */
const COMMON_PARAMS = ["name", "mode", "proxy", "socket", "netcat", "keyfile"];

/** The query parameters each transport accepts. */
const TRANSPORT_PARAMS: Record<Transport, readonly string[]> = {
  unix: ["name", "mode", "socket", "tokenfile"],
  ssh: [...COMMON_PARAMS, "command", "no_verify", "no_tty"],
  libssh: [...COMMON_PARAMS, "known_hosts", "known_hosts_verify", "sshauth"],
  libssh2: [...COMMON_PARAMS, "known_hosts", "known_hosts_verify", "sshauth"],
  tls: ["name", "mode", "tls_priority", "no_verify", "pkipath", "tokenfile"],
  tcp: ["name", "mode", "tokenfile"],
  ext: ["name", "mode", "command"],
  http: ["name", "tokenfile"],
  https: ["name", "tokenfile", "pkipath"],
};

/** Allowed values of the parameters that take a fixed set of words. */
const PARAM_VALUES: Record<string, readonly string[]> = {
  mode: ["auto", "direct", "legacy"],
  proxy: ["auto", "netcat", "native"],
  known_hosts_verify: ["normal", "auto", "ignore"],
};

/** The environment variable holding the URI used when none is given. */
export const DEFAULT_URI_ENV = "VIRTKIT_DEFAULT_URI";

/** A parsed connection URI. */
export interface ConnectUri {
  /** The driver (the scheme before any `+`), e.g. `qemu`, `test`. */
  driver: string;
  /** The transport after `+`, when given ({@link uriTransport} says which one a URI uses). */
  transport?: Transport;
  /** User name before `@`, decoded. */
  user?: string;
  /** Host name or address (IPv6 without brackets). */
  host?: string;
  /** TCP port. */
  port?: number;
  /** The path, decoded, always starting with `/` (`/system`, `/default`, `/x/host.xml`). */
  path: string;
  /** Query parameters in the order given, decoded. */
  params: [string, string][];
  /** Whether the URI goes through a daemon (a transport or a host was given). */
  remote: boolean;
}

/** What a local URI path asks for. */
export type UriMode = "system" | "session" | "embed" | "custom";

/** The raw parts of `scheme[+transport]://[user@][host][:port][/path][?query][#fragment]`. */
interface UriParts {
  scheme: string;
  transportText?: string;
  userText?: string;
  hostText: string;
  portText?: string;
  pathText: string;
  query?: string;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Whether `s` is non-empty and only letters, digits and the characters in `extra`. */
function isWord(s: string, extra: string): boolean {
  if (!s) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isLetter(c) && !(c >= 48 && c <= 57) && !extra.includes(s[i])) return false;
  }
  return true;
}

/** Splits a URI into its raw parts (plain string scanning: cheaper at start-up than a regular expression). */
function splitUri(text: string): UriParts | undefined {
  const sep = text.indexOf("://");
  if (sep <= 0) return undefined;
  const head = text.slice(0, sep);
  const plus = head.indexOf("+");
  const scheme = plus === -1 ? head : head.slice(0, plus);
  const transportText = plus === -1 ? undefined : head.slice(plus + 1);
  if (
    !isWord(scheme, ".-") || !isLetter(scheme.charCodeAt(0)) ||
    (transportText !== undefined && !isWord(transportText, ""))
  ) {
    return undefined;
  }
  let rest = text.slice(sep + 3);
  const hash = rest.indexOf("#");
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf("?");
  const query = q === -1 ? undefined : rest.slice(q + 1);
  if (q !== -1) rest = rest.slice(0, q);
  const slash = rest.indexOf("/");
  let authority = slash === -1 ? rest : rest.slice(0, slash);
  const pathText = slash === -1 ? "" : rest.slice(slash);
  const at = authority.lastIndexOf("@");
  const userText = at === -1 ? undefined : authority.slice(0, at);
  if (at !== -1) authority = authority.slice(at + 1);
  let hostText = authority;
  let portText: string | undefined;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close === -1) return undefined;
    hostText = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after && !after.startsWith(":")) return undefined;
    if (after) portText = after.slice(1);
  } else {
    const colon = authority.indexOf(":");
    if (colon !== -1) {
      hostText = authority.slice(0, colon);
      portText = authority.slice(colon + 1);
    }
  }
  return { scheme, transportText, userText, hostText, portText, pathText, query };
}

function fail(uri: string, why: string): never {
  throw new VirtError("invalid-arg", "uri", `invalid connection URI '${uri}': ${why}`);
}

function decode(uri: string, s: string, what: string): string {
  try {
    return decodeURIComponent(what === "query" ? s.replace(/\+/g, " ") : s);
  } catch {
    return fail(uri, `bad %-escape in the ${what}`);
  }
}

/**
 * Parses a connection URI and checks its transport and parameters.
 *
 * @throws VirtError ("invalid-arg", domain "uri") naming the part at fault:
 *   a malformed URI, an unknown transport, a bad port, an unknown parameter
 *   or parameter value, `/embed` without an absolute `root`
 * @example
 * ```ts
 * parseUri("test:///default").path; // "/default"
 * parseUri("lxc:///embed?root=/srv/c1").params; // [["root", "/srv/c1"]]
 * ```
 */
export function parseUri(text: string): ConnectUri {
  const parts = splitUri(text.trim());
  if (!parts) {
    fail(
      text,
      "expected driver[+transport]://[user@][host][:port]/path[?params], e.g. test:///default or qemu:///system",
    );
  }
  const { scheme, transportText, userText, hostText, portText, pathText, query } = parts;
  let transport: Transport | undefined;
  if (transportText !== undefined) {
    const t = transportText.toLowerCase();
    if (!(TRANSPORTS as readonly string[]).includes(t)) {
      fail(text, `unknown transport '${transportText}', expected one of: ${TRANSPORTS.join(", ")}`);
    }
    transport = t as Transport;
  }
  const u: ConnectUri = { driver: scheme.toLowerCase(), path: "/", params: [], remote: false };
  if (userText) u.user = decode(text, userText, "user name");
  if (hostText) {
    u.host = hostText.startsWith("[") ? hostText.slice(1, -1) : decode(text, hostText, "host name");
  }
  if (portText !== undefined && portText !== "") {
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      fail(text, `bad port '${portText}', expected a number from 1 to 65535`);
    }
    u.port = port;
  }
  if (pathText) {
    if (!pathText.startsWith("/")) fail(text, "the path must start with '/'");
    const path = decode(text, pathText, "path");
    u.path = path.includes("//") ? path.replace(/\/{2,}/g, "/") : path;
  }
  for (const part of query ? query.split(/[&;]/) : []) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const name = decode(text, eq === -1 ? part : part.slice(0, eq), "query");
    const value = eq === -1 ? "" : decode(text, part.slice(eq + 1), "query");
    u.params.push([name, value]);
  }
  if (transport) u.transport = transport;
  u.remote = uriTransport(u) !== undefined;
  if ((u.user !== undefined || u.port !== undefined) && u.host === undefined) {
    fail(text, "a user name or port needs a host");
  }
  checkParams(text, u);
  return u;
}

/** The transport a URI uses: the one it names, `tls` for a host without one, undefined for a local URI. */
export function uriTransport(u: ConnectUri): Transport | undefined {
  return u.transport ?? (u.host !== undefined ? "tls" : undefined);
}

function checkParams(text: string, u: ConnectUri): void {
  const transport = uriTransport(u);
  const allowed = transport ? TRANSPORT_PARAMS[transport] : uriMode(u) === "embed" ? ["root"] : [];
  const seen = new Set<string>();
  for (const [name, value] of u.params) {
    if (!allowed.includes(name)) {
      const where = transport ? `the ${transport} transport` : `a local ${u.path} URI`;
      const expected = allowed.length
        ? `expected one of: ${allowed.join(", ")}`
        : "it takes no parameters";
      fail(text, `unknown parameter '${name}' for ${where}; ${expected}`);
    }
    if (seen.has(name)) fail(text, `parameter '${name}' given twice`);
    seen.add(name);
    const values = PARAM_VALUES[name];
    if (values && !values.includes(value)) {
      fail(
        text,
        `bad value '${value}' for parameter '${name}', expected one of: ${values.join(", ")}`,
      );
    }
  }
  if (!transport && uriMode(u) === "embed") {
    const root = uriParam(u, "root");
    if (root === undefined) fail(text, "missing parameter 'root': /embed URIs need ?root=DIR");
    if (!root.startsWith("/")) {
      fail(text, `parameter 'root' must be an absolute path, got '${root}'`);
    }
  }
}

/** The value of a query parameter, or undefined. */
export function uriParam(u: ConnectUri, name: string): string | undefined {
  return u.params.find(([k]) => k === name)?.[1];
}

/**
 * What the path of a URI asks for: the privileged (`/system`) or per-user
 * (`/session`) instance, an embedded instance under `?root=` (`/embed`), or a
 * driver-specific path such as the test driver's `/default` or a host file.
 */
export function uriMode(u: ConnectUri): UriMode {
  switch (u.path) {
    case "/system":
      return "system";
    case "/session":
      return "session";
    case "/embed":
      return "embed";
    default:
      return "custom";
  }
}

function encodePart(s: string, keep: RegExp): string {
  if (isWord(s.replaceAll("/", "a"), "._-")) return s;
  return [...s].map((c) => (keep.test(c) ? c : encodeURIComponent(c))).join("");
}

/**
 * Writes a URI back in canonical form: lower-case scheme and transport,
 * encoded parts.
 *
 * @example
 * ```ts
 * formatUri(parseUri("TEST:///default")); // "test:///default"
 * ```
 */
export function formatUri(u: ConnectUri): string {
  let s = u.driver;
  if (u.transport) s += `+${u.transport}`;
  s += "://";
  if (u.user !== undefined) s += `${encodePart(u.user, /[A-Za-z0-9._~!$'()*,;=:-]/)}@`;
  if (u.host !== undefined) s += u.host.includes(":") ? `[${u.host}]` : u.host;
  if (u.port !== undefined) s += `:${u.port}`;
  s += encodePart(u.path, /[A-Za-z0-9._~!$&'()*+,;=:@/-]/);
  if (u.params.length) {
    s += "?" +
      u.params.map(([k, v]) =>
        `${encodeURIComponent(k)}=${encodePart(v, /[A-Za-z0-9._~!$'()*,:@/-]/)}`
      ).join("&");
  }
  return s;
}

/**
 * The URI to use when none is given: `VIRTKIT_DEFAULT_URI` when set and not
 * empty, otherwise undefined (the caller then probes its drivers).
 */
export function defaultUri(): string | undefined {
  let v: string | undefined;
  try {
    v = Deno.env.get(DEFAULT_URI_ENV);
  } catch {
    // No --allow-env: behave as if unset.
  }
  return v ? v : undefined;
}
