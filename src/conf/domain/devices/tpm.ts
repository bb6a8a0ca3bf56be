/**
 * `<tpm>`: a Trusted Platform Module, passed through from the host,
 * emulated by swtpm, or provided by an external swtpm socket.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import { VirtError } from "../../../errors.ts";
import { parseUuid } from "../../ids.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";

/** TPM frontend models (the hypervisor picks one when absent). */
export const TPM_MODELS = ["tpm-tis", "tpm-crb", "tpm-spapr", "spapr-tpm-proxy"] as const;
/** PCR banks an emulated TPM 2.0 may activate, in libvirt's order. */
export const TPM_PCR_BANKS = ["sha1", "sha256", "sha384", "sha512"] as const;

/** Where the TPM comes from. */
export type TpmBackend =
  | { type: "passthrough"; /** host TPM device, `/dev/tpm0` by default */ path: string }
  | {
    type: "emulator";
    /** Keep state when the domain is undefined. */
    persistentState?: boolean;
    /** UUID of the secret encrypting the state. */
    secret?: string;
    activePcrBanks?: (typeof TPM_PCR_BANKS)[number][];
  }
  | { type: "external"; /** swtpm's unix socket */ path: string };

/** A `<tpm>` device. */
export interface TpmDef {
  model?: (typeof TPM_MODELS)[number];
  backend: TpmBackend;
  /** `<backend version>`. */
  version?: "1.2" | "2.0";
  /** address, alias */
  info: DeviceInfo;
}

function parseBackend(b: XmlReader): TpmBackend {
  const type = b.attr("type");
  if (type === undefined) throw b.error("missing TPM device backend type");
  switch (type) {
    case "passthrough":
      return { type, path: b.child("device")?.attr("path") || "/dev/tpm0" };
    case "emulator": {
      const be: TpmBackend = { type };
      const ps = b.attr("persistent_state");
      if (ps !== undefined) {
        if (ps !== "yes" && ps !== "no") throw b.error("invalid persistent_state value, either 'yes' or 'no'");
        if (ps === "yes") be.persistentState = true;
      }
      const secret = b.child("encryption")?.attr("secret");
      if (secret !== undefined) {
        be.secret = parseUuid(secret);
        if (!be.secret) throw b.error(`unable to parse secret uuid '${secret}'`);
      }
      const banks = b.child("active_pcr_banks");
      if (banks) {
        const set = new Set<string>();
        for (const e of banks.elements()) {
          if (!(TPM_PCR_BANKS as readonly string[]).includes(e.name)) {
            throw e.error(`unsupported PCR bank '${e.name}', expected one of: ${TPM_PCR_BANKS.join(", ")}`);
          }
          set.add(e.name);
        }
        be.activePcrBanks = TPM_PCR_BANKS.filter((x) => set.has(x));
      }
      return be;
    }
    case "external": {
      const src = b.child("source");
      const path = src?.attr("path");
      if (!src || !path) throw b.error("missing TPM source path");
      src.enum("type", ["unix"]);
      src.enum("mode", ["connect"]);
      return { type, path };
    }
    default:
      throw b.error(`unknown TPM backend type '${type}', expected one of: passthrough, emulator, external`);
  }
}

/**
 * Parses `<tpm>`.
 *
 * @example
 * ```ts
 * // <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
 * parseTpm(r, ctx); // { model: "tpm-crb", backend: { type: "emulator" }, version: "2.0", info: {} }
 * ```
 */
export function parseTpm(r: XmlReader, ctx: ParseContext): TpmDef {
  const model = r.enum("model", TPM_MODELS);
  const backends = r.children("backend");
  if (backends.length > 1) throw r.error("only one TPM backend is supported");
  if (backends.length === 0) throw r.error("missing TPM device backend");
  return {
    model,
    backend: parseBackend(backends[0]),
    version: backends[0].enum("version", ["1.2", "2.0"]),
    info: parseDeviceInfo(r, ctx),
  };
}

/** Writes `<tpm>`. */
export function formatTpm(w: XmlWriter, t: TpmDef, ctx: FormatContext): void {
  const b = t.backend;
  w.elem("tpm", [["model", t.model]], (w) => {
    if (b.type === "emulator") {
      w.elem("backend", [["type", b.type], ["version", t.version], ["persistent_state", b.persistentState ? "yes" : undefined]], (w) => {
        if (b.secret) w.elem("encryption", [["secret", b.secret]]);
        if (b.activePcrBanks?.length) {
          w.elem("active_pcr_banks", null, (w) => {
            for (const bank of b.activePcrBanks!) w.elem(bank);
          });
        }
      });
    } else {
      w.elem("backend", [["type", b.type]], (w) => {
        if (b.type === "passthrough") w.elem("device", [["path", b.path]]);
        else w.elem("source", [["type", "unix"], ["mode", "connect"], ["path", b.path]]);
      });
    }
    formatDeviceInfo(w, t.info, ctx);
  });
}

/** At most one TPM proxy and one other TPM; a proxy needs a passthrough backend. */
export function checkTpms(def: DomainDef): void {
  const fail = (msg: string): never => {
    throw new VirtError("config-unsupported", "domain", msg);
  };
  let regular = 0;
  let proxy = 0;
  for (const t of def.devices.tpms) {
    if (t.model === "spapr-tpm-proxy") {
      if (t.backend.type !== "passthrough") fail("TPM Proxy model spapr-tpm-proxy requires 'Passthrough' backend");
      if (++proxy > 1) fail("only a single TPM Proxy device is supported");
    } else if (++regular > 1) fail("only a single TPM non-proxy device is supported");
  }
}
