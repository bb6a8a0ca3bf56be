/**
 * Storage sources: what a disk, a backing-chain member or a block-job mirror
 * reads its data from. Covers every `<source>` kind (file, block device,
 * directory, network protocol, storage-pool volume, NVMe namespace,
 * vhost-user socket, vhost-vdpa device) and what travels with it: `<auth>`,
 * `<encryption>`, `<reservations>`, `<slices>`, per-source `<seclabel>`s,
 * the image format and the `<backingStore>` chain.
 * @module
 */
import type { Attr, XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { parseUuid } from "../../ids.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceSeclabel, formatDeviceSeclabels, parseDeviceSeclabels } from "./device-seclabel.ts";
import { formatPciHostAddress, parsePciHostAddress, type PciHostAddress } from "./pci-host-address.ts";
import { UNIT_NAMES, unitScale } from "../../units.ts";

/** Where a storage source lives (`<disk type>`, `<backingStore type>`). */
export const STORAGE_TYPES = ["file", "block", "dir", "network", "volume", "nvme", "vhostuser", "vhostvdpa"] as const;
/** A storage type. */
export type StorageType = (typeof STORAGE_TYPES)[number];

/** Image formats (`<driver type>`, `<format type>`). */
export const STORAGE_FORMATS = [
  "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "luks",
  "cow", "qcow", "qcow2", "qed", "vmdk",
] as const;
/** An image format. */
export type StorageFormat = (typeof STORAGE_FORMATS)[number];

/** Network protocols of `<source protocol>`. */
export const NET_PROTOCOLS = [
  "nbd", "rbd", "sheepdog", "gluster", "iscsi", "http", "https", "ftp", "ftps", "tftp", "ssh", "vxhs", "nfs",
] as const;
/** A network storage protocol. */
export type NetProtocol = (typeof NET_PROTOCOLS)[number];

/** Ports libvirt fills in for a TCP `<host>` without one. */
const DEFAULT_PORTS: Partial<Record<NetProtocol, number>> = {
  http: 80, https: 443, ftp: 21, ftps: 990, tftp: 69, sheepdog: 7000, nbd: 10809, ssh: 22,
  iscsi: 3260, gluster: 24007, vxhs: 9999,
};

/** One `<host>` of a network source. TCP is the default transport and is not stored. */
export interface NetHost {
  name?: string;
  port?: number;
  transport?: "unix" | "rdma";
  socket?: string;
}

/** An HTTP cookie sent with every request (`<cookies><cookie name>value</cookie>`). */
export interface NetCookie {
  name: string;
  value: string;
}

/** The `<source>` of a network disk. */
export interface NetworkSource {
  protocol: NetProtocol;
  /** Image name (`name`); for rbd and gluster it is `pool/image`. */
  name?: string;
  /** HTTP(S) query string. */
  query?: string;
  tls?: "yes" | "no";
  tlsHostname?: string;
  hosts: NetHost[];
  /** rbd `<snapshot name>`. */
  snapshot?: string;
  /** rbd `<config file>`. */
  config?: string;
  /** iSCSI `<initiator><iqn name>`. */
  initiatorIqn?: string;
  /** HTTPS/FTPS `<ssl verify>`. */
  sslVerify?: "yes" | "no";
  cookies?: NetCookie[];
  /** `<readahead size>` in bytes. */
  readahead?: number;
  /** `<timeout seconds>`. */
  timeout?: number;
  /** NFS `<identity user group>`. */
  nfsUser?: string;
  nfsGroup?: string;
}

/** A volume of a storage pool (`<source pool volume mode>`). */
export interface VolumeSource {
  pool: string;
  volume: string;
  mode?: "host" | "direct";
}

/** An NVMe namespace of a host PCI controller. */
export interface NvmeSource {
  namespace: number;
  managed?: "yes" | "no";
  address: PciHostAddress;
}

/** `<reconnect>` of a client socket. */
export interface Reconnect {
  enabled: "yes" | "no";
  /** Seconds between attempts; only with `enabled='yes'`. */
  timeout?: number;
}

/** `<auth>`: the user and secret a network source logs in with. */
export interface StorageAuth {
  username: string;
  /** Storage-pool style `type` (chap, ceph); disks leave it out. */
  authType?: "chap" | "ceph";
  /** `<secret type>` usage (ceph, iscsi, ...). */
  secretType?: string;
  secret: SecretLookup;
}

/** A secret named by UUID or by usage. */
export type SecretLookup = { uuid: string } | { usage: string };

/** `<encryption>` of an image. */
export interface StorageEncryption {
  format: "default" | "qcow" | "luks" | "luks2";
  engine?: "qemu" | "librbd";
  secrets: SecretLookup[];
  cipher?: { name: string; size: number; mode?: string; hash?: string };
  ivgen?: { name: string; hash?: string };
}

/** `<reservations>`: SCSI persistent reservations through a helper daemon. */
export interface Reservations {
  managed: "yes" | "no";
  /** The helper's socket path (required when not managed). */
  path?: string;
}

/** What every storage source may carry besides its location. */
interface SourceCommon {
  /** Live state: the node index of this source (`index`). */
  index?: number;
  /** `<slices><slice type='storage' offset size/>`. */
  slice?: { offset: number; size: number };
  seclabels: DeviceSeclabel[];
  auth?: StorageAuth;
  encryption?: StorageEncryption;
  reservations?: Reservations;
  /** Image format (disk `<driver type>`, backing `<format type>`). */
  format?: StorageFormat;
  /** `<metadata_cache><max_size>` in bytes. */
  metadataCacheMaxSize?: number;
  /** The next member of the backing chain; `null` is an explicit end (`<backingStore/>`). */
  backingStore?: StorageSource | null;
}

/** A storage source; location fields depend on the type, and all may be absent (no media). */
export type StorageSource = SourceCommon & (
  | { type: "file"; path?: string; fdgroup?: string }
  | { type: "block" | "dir"; path?: string }
  | { type: "network"; network?: NetworkSource }
  | { type: "volume"; volume?: VolumeSource }
  | { type: "nvme"; nvme?: NvmeSource }
  | { type: "vhostuser"; vhostuser?: { path: string; reconnect?: Reconnect } }
  | { type: "vhostvdpa"; dev?: string }
);

/** A storage source with no location yet: what an empty CD-ROM has. */
export function emptySource(type: StorageType): StorageSource {
  return { type, seclabels: [] } as StorageSource;
}

/** Whether the source names no media (libvirt's `virStorageSourceIsEmpty`). */
export function isEmptySource(s: StorageSource): boolean {
  switch (s.type) {
    case "file":
    case "block":
    case "dir":
      return !s.path;
    case "network":
      return !s.network;
    case "volume":
      return !s.volume;
    case "nvme":
      return !s.nvme;
    case "vhostuser":
      return !s.vhostuser;
    case "vhostvdpa":
      return !s.dev;
  }
}

/** The source's location as one string, for messages. */
export function sourceLabel(s: StorageSource): string | undefined {
  switch (s.type) {
    case "file":
    case "block":
    case "dir":
      return s.path;
    case "network":
      return s.network?.name;
    case "volume":
      return s.volume ? `${s.volume.pool}/${s.volume.volume}` : undefined;
    case "nvme":
      return s.nvme ? `nvme namespace ${s.nvme.namespace}` : undefined;
    case "vhostuser":
      return s.vhostuser?.path;
    case "vhostvdpa":
      return s.dev;
  }
}

// ---------------------------------------------------------------- parsing

/** Reads a required non-negative decimal integer attribute with a custom message. */
function reqBig(r: XmlReader, name: string, what: string): number {
  const v = r.attr(name);
  if (v === undefined) throw r.error(`missing ${name} attribute of ${what}`);
  if (!/^\s*\+?\d+\s*$/.test(v)) throw r.error(`malformed value '${v}' of '${name}' attribute of ${what}`);
  return Number(v);
}

/** Scales an element's text by its `unit` attribute (`defaultScale` when absent) into bytes. */
export function parseScaledBytes(r: XmlReader, defaultScale = 1): number {
  const text = r.text().trim();
  const unit = r.attr("unit");
  const scale = unitScale(unit, defaultScale);
  if (scale === undefined) throw r.error(`unknown unit '${unit}', expected one of: ${UNIT_NAMES}`);
  if (!/^\+?\d+$/.test(text)) throw r.error(`invalid value '${text}', expected a non-negative integer`);
  return Number(text) * scale;
}

/** Parses a `<secret>` that names a secret by `uuid` or by `usage`. */
export function parseSecretLookup(r: XmlReader): SecretLookup {
  const uuid = r.attr("uuid");
  const usage = r.attr("usage");
  if (uuid === undefined && usage === undefined) throw r.error("missing secret uuid or usage attribute");
  if (uuid !== undefined && usage !== undefined) throw r.error("either secret uuid or usage expected, not both");
  if (uuid !== undefined) {
    const u = parseUuid(uuid);
    if (!u) throw r.error(`invalid secret uuid '${uuid}'`);
    return { uuid: u };
  }
  return { usage: usage! };
}

function secretAttrs(s: SecretLookup): Attr[] {
  return "uuid" in s ? [["uuid", s.uuid]] : [["usage", s.usage]];
}

/** Parses `<auth username>` with its `<secret>`. */
export function parseStorageAuth(r: XmlReader): StorageAuth {
  const username = r.attr("username");
  if (!username) throw r.error("missing username for auth");
  const authType = r.enum("type", ["chap", "ceph"]);
  const secret = r.child("secret");
  if (!secret) throw r.error("missing <secret> element in auth");
  return { username, authType, secretType: secret.attr("type"), secret: parseSecretLookup(secret) };
}

/** Writes `<auth>`. */
export function formatStorageAuth(w: XmlWriter, a: StorageAuth): void {
  w.elem("auth", [["type", a.authType], ["username", a.username]], (w) => {
    w.elem("secret", [["type", a.secretType], ...secretAttrs(a.secret)]);
  });
}

/** Parses `<encryption>`. */
export function parseStorageEncryption(r: XmlReader): StorageEncryption {
  const enc: StorageEncryption = {
    format: r.reqEnum("format", ["default", "qcow", "luks", "luks2"]),
    engine: r.enum("engine", ["qemu", "librbd"]),
    secrets: r.children("secret").map((s) => {
      s.reqEnum("type", ["passphrase"]);
      return parseSecretLookup(s);
    }),
  };
  if (enc.format === "luks" || enc.format === "luks2") {
    const c = r.child("cipher");
    if (c) {
      const name = c.attr("name");
      if (!name) throw c.error("cipher is missing name attribute");
      const size = c.uint("size");
      if (size === undefined) throw c.error(`cipher '${name}' is missing the size attribute`);
      enc.cipher = { name, size, mode: c.attr("mode"), hash: c.attr("hash") };
    }
    const iv = r.child("ivgen");
    if (iv) {
      const name = iv.attr("name");
      if (!name) throw iv.error("missing ivgen name");
      enc.ivgen = { name, hash: iv.attr("hash") };
    }
  }
  return enc;
}

/** Writes `<encryption>` (always with an open and a close tag, as libvirt does). */
export function formatStorageEncryption(w: XmlWriter, e: StorageEncryption): void {
  w.block("encryption", [["format", e.format], ["engine", e.engine]], (w) => {
    for (const s of e.secrets) w.elem("secret", [["type", "passphrase"], ...secretAttrs(s)]);
    if (e.cipher) {
      w.elem("cipher", [["name", e.cipher.name], ["size", e.cipher.size], ["mode", e.cipher.mode], ["hash", e.cipher.hash]]);
      if (e.ivgen) w.elem("ivgen", [["name", e.ivgen.name], ["hash", e.ivgen.hash]]);
    }
  });
}

function parseReservations(r: XmlReader): Reservations {
  const managed = r.enum("managed", ["yes", "no"]);
  if (managed === undefined) throw r.error("missing attribute 'managed'");
  const src = r.child("source");
  const type = src?.attr("type");
  const path = src?.attr("path");
  const mode = src?.attr("mode");
  if (managed === "no" || type !== undefined || path !== undefined || mode !== undefined) {
    if (type === undefined) throw r.error("missing connection type for <reservations/>");
    if (path === undefined) throw r.error("missing path for <reservations/>");
    if (mode === undefined) throw r.error("missing connection mode for <reservations/>");
  }
  if (type !== undefined && type !== "unix") throw r.error(`unsupported connection type for <reservations/>: ${type}`);
  if (mode !== undefined && mode !== "client") throw r.error(`unsupported connection mode for <reservations/>: ${mode}`);
  return { managed, path };
}

function formatReservations(w: XmlWriter, p: Reservations): void {
  w.elem("reservations", [["managed", p.managed]], p.path === undefined ? undefined : (w) => {
    w.elem("source", [["type", "unix"], ["path", p.path], ["mode", "client"]]);
  });
}

/** Parses `<reconnect enabled timeout>`. */
export function parseReconnect(r: XmlReader): Reconnect {
  const enabled = r.reqEnum("enabled", ["yes", "no"]);
  if (enabled === "no") return { enabled };
  const timeout = r.uint("timeout");
  if (timeout === undefined) throw r.error("missing attribute 'timeout'");
  return { enabled, timeout };
}

function parseHost(h: XmlReader): NetHost {
  const transport = h.enum("transport", ["tcp", "unix", "rdma"]);
  const socket = h.attr("socket");
  if (transport === "unix") {
    if (socket === undefined) throw h.error("missing socket for unix transport");
    return { transport, socket };
  }
  if (socket !== undefined) throw h.error(`transport '${transport ?? "tcp"}' does not support socket attribute`);
  const name = h.attr("name");
  if (name === undefined) throw h.error("missing name for host");
  const port = h.uint("port");
  if (port !== undefined && port > 65535) throw h.error(`port '${port}' out of range`);
  return { name, port: port || undefined, transport: transport === "rdma" ? "rdma" : undefined };
}

/** Parses the `<host>` children of `r`. */
export function parseNetHosts(r: XmlReader): NetHost[] {
  return r.children("host").map(parseHost);
}

/** Writes `<host>` elements. */
export function formatNetHosts(w: XmlWriter, hosts: readonly NetHost[]): void {
  for (const h of hosts) w.elem("host", [["name", h.name], ["port", h.port], ["transport", h.transport], ["socket", h.socket]]);
}

/** Reads `<initiator><iqn name>` from `r`, if present. */
export function parseInitiator(r: XmlReader): string | undefined {
  return r.child("initiator")?.child("iqn")?.attr("name");
}

/** Writes `<initiator>` when an IQN is set. */
export function formatInitiator(w: XmlWriter, iqn: string | undefined): void {
  if (iqn !== undefined) w.elem("initiator", null, (w) => w.elem("iqn", [["name", iqn]]));
}

const COOKIE_NAME = /^[!#$%&'*+\-.0-9A-Z^_`a-z|~]+$/;
const COOKIE_VALUE = /^"?[!#$%&'()*+\-./0-9:<=>?@A-Z[\]^_`a-z|~]+"?$/;

function parseCookies(r: XmlReader): NetCookie[] {
  const out: NetCookie[] = [];
  for (const c of r.children("cookie")) {
    const name = c.attr("name");
    const value = c.text().trim();
    if (!name) throw c.error("missing cookie name");
    if (!value) throw c.error(`missing value for cookie '${name}'`);
    if (!COOKIE_NAME.test(name)) throw c.error(`cookie name '${name}' contains invalid characters`);
    if (!COOKIE_VALUE.test(value)) throw c.error(`value of cookie '${name}' contains invalid characters`);
    if (out.some((o) => o.name === name)) throw c.error(`duplicate cookie '${name}'`);
    out.push({ name, value });
  }
  return out;
}

function positiveUll(r: XmlReader | undefined, name: string): number | undefined {
  if (!r) return undefined;
  const v = r.attr(name);
  if (v === undefined) return undefined;
  if (!/^\s*\+?\d+\s*$/.test(v)) throw r.error(`invalid value '${v}' for attribute '${name}'`);
  return Number(v) || undefined;
}

function parseNetworkSource(r: XmlReader): NetworkSource {
  const protocol = r.reqEnum("protocol", NET_PROTOCOLS);
  const name = r.attr("name");
  if (name === undefined && protocol !== "nbd") throw r.error("missing name for disk source");
  if (name !== undefined && (protocol === "gluster" || protocol === "rbd")) {
    const slash = name.indexOf("/");
    if (slash <= 0) throw r.error(`can't split path '${name}' into pool name and image name`);
  }
  const net: NetworkSource = {
    protocol,
    name,
    tls: r.enum("tls", ["yes", "no"]),
    tlsHostname: r.attr("tlsHostname"),
    hosts: parseNetHosts(r),
    snapshot: r.child("snapshot")?.attr("name"),
    config: r.child("config")?.attr("file"),
    initiatorIqn: parseInitiator(r),
  };
  for (const h of net.hosts) {
    if (h.transport !== "unix" && h.transport !== "rdma" && !h.port) h.port = DEFAULT_PORTS[protocol];
  }
  if (protocol === "http" || protocol === "https") {
    net.query = r.attr("query");
    const cookies = r.child("cookies");
    if (cookies) net.cookies = parseCookies(cookies);
  }
  if (protocol === "https" || protocol === "ftps") net.sslVerify = r.child("ssl")?.enum("verify", ["yes", "no"]);
  if (protocol === "http" || protocol === "https" || protocol === "ftp" || protocol === "ftps") {
    net.readahead = positiveUll(r.child("readahead"), "size");
    net.timeout = positiveUll(r.child("timeout"), "seconds");
  }
  if (protocol === "nfs") {
    const id = r.child("identity");
    if (id) {
      net.nfsUser = id.attr("user");
      net.nfsGroup = id.attr("group");
    }
  }
  return net;
}

/** Parses the `pool`/`volume`/`mode` attributes of a volume `<source>` (undefined when both are absent). */
export function parseVolumeSource(r: XmlReader): VolumeSource | undefined {
  const pool = r.attr("pool");
  const volume = r.attr("volume");
  const mode = r.enum("mode", ["host", "direct"]);
  if (pool === undefined && volume === undefined) return undefined;
  if (pool === undefined || volume === undefined) {
    throw r.error("'pool' and 'volume' must be specified together for 'pool' type source");
  }
  return { pool, volume, mode };
}

function parseNvmeSource(r: XmlReader): NvmeSource {
  const type = r.attr("type");
  if (type === undefined) throw r.error("missing 'type' attribute to disk source");
  if (type !== "pci") throw r.error(`unsupported source type '${type}'`);
  const ns = r.attr("namespace");
  if (ns === undefined) throw r.error("missing 'namespace' attribute to disk source");
  if (!/^\s*\+?\d+\s*$/.test(ns)) throw r.error(`malformed namespace '${ns}'`);
  const managed = r.enum("managed", ["yes", "no"]);
  const addr = r.child("address");
  if (!addr) throw r.error("NVMe disk source is missing address");
  return { namespace: Number(ns), managed, address: parsePciHostAddress(addr) };
}

function parseVhostUser(r: XmlReader): { path: string; reconnect?: Reconnect } {
  const type = r.attr("type");
  if (type === undefined) throw r.error("missing 'type' attribute for vhostuser disk source");
  if (type !== "unix") throw r.error("invalid 'type' attribute for vhostuser disk source, expected 'unix'");
  const path = r.attr("path");
  if (path === undefined) throw r.error("missing 'path' attribute for vhostuser disk source");
  const rc = r.child("reconnect");
  return { path, reconnect: rc ? parseReconnect(rc) : undefined };
}

/**
 * Parses the location and the extras of a `<source>` element into `s`
 * (whose `type` is already set): the type-specific attributes, `<auth>`,
 * `<encryption>`, `<reservations>`, `<seclabel>`s and `<slices>`.
 */
export function parseSourceElement(r: XmlReader, s: StorageSource, ctx: ParseContext): void {
  switch (s.type) {
    case "file":
      s.path = r.attr("file") || undefined;
      s.fdgroup = r.attr("fdgroup");
      break;
    case "block":
      s.path = r.attr("dev") || undefined;
      break;
    case "dir":
      s.path = r.attr("dir") || undefined;
      break;
    case "network":
      s.network = parseNetworkSource(r);
      break;
    case "volume":
      s.volume = parseVolumeSource(r);
      break;
    case "nvme":
      s.nvme = parseNvmeSource(r);
      break;
    case "vhostuser":
      s.vhostuser = parseVhostUser(r);
      break;
    case "vhostvdpa":
      s.dev = r.attr("dev") || undefined;
      break;
  }
  const auth = r.child("auth");
  if (auth) s.auth = parseStorageAuth(auth);
  const enc = r.child("encryption");
  if (enc) s.encryption = parseStorageEncryption(enc);
  const pr = r.child("reservations");
  if (pr) s.reservations = parseReservations(pr);
  s.seclabels = parseDeviceSeclabels(r, ctx);
  const slice = r.child("slices")?.children("slice").find((x) => x.attr("type") === "storage");
  if (slice) s.slice = { offset: reqBig(slice, "offset", "slice"), size: reqBig(slice, "size", "slice") };
}

/** Parses a storage source index attribute (live state only). */
export function parseSourceIndex(r: XmlReader, ctx: ParseContext): number | undefined {
  const v = r.attr("index");
  if (v === undefined || ctx.inactive) return undefined;
  if (!/^\s*\+?\d+\s*$/.test(v)) throw r.error(`invalid storage source index '${v}'`);
  return Number(v) || undefined;
}

/** Parses a `type` attribute naming a storage type (file when absent). */
export function parseStorageType(r: XmlReader, name = "type"): StorageType {
  return r.enum(name, STORAGE_TYPES) ?? "file";
}

function parseFormatValue(r: XmlReader, value: string, what: string): StorageFormat {
  if (!(STORAGE_FORMATS as readonly string[]).includes(value)) {
    throw r.error(`unknown ${what} '${value}', expected one of: ${STORAGE_FORMATS.join(", ")}`);
  }
  return value as StorageFormat;
}

/** Reads `<metadata_cache><max_size>` under `r` into bytes. */
export function parseMetadataCache(r: XmlReader | undefined): number | undefined {
  const max = r?.child("metadata_cache")?.child("max_size");
  return max ? parseScaledBytes(max) || undefined : undefined;
}

/** Reads `<format type>` (with its metadata cache) into `s`. */
function parseFormatElement(r: XmlReader, s: StorageSource, required: boolean, what: string): void {
  const f = r.child("format");
  const type = f?.attr("type");
  if (type === undefined) {
    if (required) throw r.error(`missing ${what} format`);
    return;
  }
  s.format = parseFormatValue(f!, type, "storage source format");
  s.metadataCacheMaxSize = parseMetadataCache(f);
}

/**
 * Parses the `<backingStore>` child of `r`, if any, into `s.backingStore`
 * (recursively); an empty `<backingStore/>` ends the chain explicitly.
 */
export function parseBackingStore(r: XmlReader, s: StorageSource, ctx: ParseContext): void {
  const b = r.child("backingStore");
  if (!b) return;
  if (!b.has("type")) {
    s.backingStore = null;
    return;
  }
  const next = emptySource(parseStorageType(b));
  next.index = parseSourceIndex(b, ctx);
  parseFormatElement(b, next, true, "disk backing store");
  const src = b.child("source");
  if (!src) throw b.error("missing disk backing store source");
  parseSourceElement(src, next, ctx);
  parseBackingStore(b, next, ctx);
  s.backingStore = next;
}

/** A `<mirror>` of a running block job (live state only). */
export interface DiskMirror {
  job: "copy" | "active-commit";
  ready?: "yes" | "abort" | "pivot";
  source: StorageSource;
}

/** Parses `<mirror>`, in the current form or the old attribute-only one (`file=` `format=`). */
export function parseDiskMirror(r: XmlReader, ctx: ParseContext): DiskMirror {
  const job = r.enum("job", ["copy", "active-commit"]) ?? "copy";
  const ready = r.enum("ready", ["yes", "abort", "pivot"]);
  if (!r.has("type")) {
    if (job !== "copy") throw r.error("mirror without type only supported by copy job");
    const file = r.attr("file");
    if (!file) throw r.error("mirror requires file name");
    const source = emptySource("file");
    if (source.type === "file") source.path = file;
    const fmt = r.attr("format");
    if (fmt !== undefined) source.format = parseFormatValue(r, fmt, "storage source format");
    return { job, ready, source };
  }
  const source = emptySource(parseStorageType(r));
  // The new form repeats file/format as attributes for copy jobs; those are derived data.
  r.attr("file");
  r.attr("format");
  parseFormatElement(r, source, false, "mirror");
  const src = r.child("source");
  if (!src) throw r.error("mirror requires source element");
  source.index = parseSourceIndex(src, ctx);
  parseSourceElement(src, source, ctx);
  parseBackingStore(r, source, ctx);
  return { job, ready, source };
}

// ---------------------------------------------------------------- formatting

/** How {@link formatSourceElement} is called. */
export interface SourceFormatOptions {
  /** `startupPolicy` attribute (not for network sources). */
  startupPolicy?: string;
  /** Write the `index` attribute. */
  withIndex?: boolean;
  /** `<auth>` is written elsewhere (as a child of `<disk>`). */
  skipAuth?: boolean;
  /** `<encryption>` is written elsewhere (as a child of `<disk>`). */
  skipEncryption?: boolean;
}

function networkParts(n: NetworkSource, ctx: FormatContext): { attrs: Attr[]; body: (w: XmlWriter) => void } {
  const attrs: Attr[] = [
    ["protocol", n.protocol], ["name", n.name], ["query", n.query], ["tls", n.tls], ["tlsHostname", n.tlsHostname],
  ];
  const body = (w: XmlWriter) => {
    formatNetHosts(w, n.hosts);
    if (n.protocol === "nfs" && (n.nfsUser !== undefined || n.nfsGroup !== undefined)) {
      w.elem("identity", [["user", n.nfsUser], ["group", n.nfsGroup]]);
    }
    if (n.snapshot !== undefined) w.elem("snapshot", [["name", n.snapshot]]);
    if (n.config !== undefined) w.elem("config", [["file", n.config]]);
    formatInitiator(w, n.initiatorIqn);
    if (n.sslVerify) w.elem("ssl", [["verify", n.sslVerify]]);
    if (ctx.secure && n.cookies?.length) {
      w.elem("cookies", null, (w) => {
        for (const c of n.cookies!) w.text("cookie", c.value, [["name", c.name]]);
      });
    }
    if (n.readahead) w.elem("readahead", [["size", n.readahead]]);
    if (n.timeout) w.elem("timeout", [["seconds", n.timeout]]);
  };
  return { attrs, body };
}

/** Writes the `<source>` element of `s` (nothing when it has nothing to say). */
export function formatSourceElement(w: XmlWriter, s: StorageSource, ctx: FormatContext, opts: SourceFormatOptions = {}): void {
  let attrs: Attr[] = [];
  let body: (w: XmlWriter) => void = () => {};
  switch (s.type) {
    case "file":
      attrs = [["file", s.path], ["fdgroup", s.fdgroup]];
      break;
    case "block":
      attrs = [["dev", s.path]];
      break;
    case "dir":
      attrs = [["dir", s.path]];
      break;
    case "network":
      if (s.network) ({ attrs, body } = networkParts(s.network, ctx));
      break;
    case "volume":
      if (s.volume) attrs = [["pool", s.volume.pool], ["volume", s.volume.volume], ["mode", s.volume.mode]];
      break;
    case "nvme":
      if (s.nvme) {
        const nvme = s.nvme;
        attrs = [["type", "pci"], ["managed", nvme.managed], ["namespace", nvme.namespace]];
        body = (w) => formatPciHostAddress(w, nvme.address);
      }
      break;
    case "vhostuser":
      if (s.vhostuser) {
        const vu = s.vhostuser;
        attrs = [["type", "unix"], ["path", vu.path]];
        body = (w) => {
          if (vu.reconnect) w.elem("reconnect", [["enabled", vu.reconnect.enabled], ["timeout", vu.reconnect.timeout]]);
        };
      }
      break;
    case "vhostvdpa":
      attrs = [["dev", s.dev]];
      break;
  }
  if (opts.startupPolicy && s.type !== "network") attrs.push(["startupPolicy", opts.startupPolicy]);
  if (opts.withIndex && s.index) attrs.push(["index", s.index]);
  w.group("source", attrs, (w) => {
    body(w);
    if (s.slice) {
      w.elem("slices", null, (w) => w.elem("slice", [["type", "storage"], ["offset", s.slice!.offset], ["size", s.slice!.size]]));
    }
    if (s.type !== "network") formatDeviceSeclabels(w, s.seclabels, ctx);
    if (s.auth && !opts.skipAuth && s.type !== "volume") formatStorageAuth(w, s.auth);
    if (s.encryption && !opts.skipEncryption) formatStorageEncryption(w, s.encryption);
    if (s.reservations) formatReservations(w, s.reservations);
  });
}

function formatFormatElement(w: XmlWriter, s: StorageSource): void {
  w.group("format", [["type", s.format]], (w) => {
    if (s.metadataCacheMaxSize) {
      w.elem("metadata_cache", null, (w) => w.text("max_size", s.metadataCacheMaxSize, [["unit", "bytes"]]));
    }
  });
}

/** Writes the `<backingStore>` chain below `s`. */
export function formatBackingStore(w: XmlWriter, s: StorageSource, ctx: FormatContext): void {
  const b = s.backingStore;
  if (b === undefined) return;
  if (b === null) {
    w.elem("backingStore");
    return;
  }
  w.elem("backingStore", [["type", b.type], ["index", b.index]], (w) => {
    formatFormatElement(w, b);
    formatSourceElement(w, b, ctx);
    formatBackingStore(w, b, ctx);
  });
}

/** Writes `<mirror>` (live definitions only). */
export function formatDiskMirror(w: XmlWriter, m: DiskMirror, ctx: FormatContext): void {
  if (ctx.inactive) return;
  const s = m.source;
  const fileAttrs: Attr[] = s.type === "file" && m.job === "copy" ? [["file", s.path], ["format", s.format]] : [];
  w.elem("mirror", [["type", s.type], ...fileAttrs, ["job", m.job], ["ready", m.ready]], (w) => {
    formatFormatElement(w, s);
    formatSourceElement(w, s, ctx, { withIndex: true });
    formatBackingStore(w, s, ctx);
  });
}
