/**
 * `<shmem>`: an inter-VM shared memory region (ivshmem), optionally backed
 * by a server socket that delivers interrupts.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { parseScaledBytes } from "./storage-source.ts";

/** Shared memory models (`<model type>`; `ivshmem` when absent). */
export const SHMEM_MODELS = ["ivshmem", "ivshmem-plain", "ivshmem-doorbell"] as const;

/** A `<shmem>` device. */
export interface ShmemDef {
  name: string;
  model: (typeof SHMEM_MODELS)[number];
  /** Migration role; ignored for the legacy `ivshmem` model. */
  role?: "master" | "peer";
  /** Size in bytes (written in MiB). */
  size?: number;
  /** `<server>`: the ivshmem server socket (a path, or the default when empty). */
  server?: { path?: string };
  /** `<msi>`: interrupts (only with a server). */
  msi?: { vectors?: number; ioeventfd?: "on" | "off" };
  /** address, alias */
  info: DeviceInfo;
}

/** libvirt's `virFileSanitizePath`: collapse repeated slashes and drop a trailing one. */
function sanitizePath(p: string): string {
  return p.replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
}

/**
 * Parses `<shmem>`.
 *
 * @example
 * ```ts
 * // <shmem name='shm'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>
 * parseShmem(r, ctx); // { name: "shm", model: "ivshmem-plain", size: 4194304, info: {} }
 * ```
 */
export function parseShmem(r: XmlReader, ctx: ParseContext): ShmemDef {
  const model = r.child("model")?.enum("type", SHMEM_MODELS) ?? "ivshmem";
  const name = r.attr("name");
  if (name === undefined) throw r.error("shmem element must contain 'name' attribute");
  const shmem: ShmemDef = { name, model, info: {} };
  if (model !== "ivshmem") shmem.role = r.enum("role", ["master", "peer"]);
  const size = r.child("size");
  if (size) shmem.size = parseScaledBytes(size) || undefined;
  const server = r.child("server");
  if (server) {
    const path = server.attr("path");
    shmem.server = { path: path === undefined ? undefined : sanitizePath(path) };
  }
  const msi = r.child("msi");
  if (msi) {
    const vectors = msi.uint("vectors");
    if (vectors === 0) throw msi.error("invalid value '0' for attribute 'vectors', expected a positive integer");
    shmem.msi = { vectors, ioeventfd: msi.enum("ioeventfd", ["on", "off"]) };
    if (!shmem.server) throw r.error("msi option is only supported with a server");
  }
  shmem.info = parseDeviceInfo(r, ctx);
  return shmem;
}

/** Writes `<shmem>`. */
export function formatShmem(w: XmlWriter, s: ShmemDef, ctx: FormatContext): void {
  w.block("shmem", [["name", s.name], ["role", s.role]], (w) => {
    w.elem("model", [["type", s.model]]);
    if (s.size) w.text("size", Math.floor(s.size / 1048576), [["unit", "M"]]);
    if (s.server) w.elem("server", [["path", s.server.path]]);
    if (s.msi) w.elem("msi", [["vectors", s.msi.vectors], ["ioeventfd", s.msi.ioeventfd]]);
    formatDeviceInfo(w, s.info, ctx);
  });
}
