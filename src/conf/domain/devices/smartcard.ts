/**
 * `<smartcard>`: a CCID smartcard reader, backed by the host's reader, by
 * three certificate files, or by a character device speaking the smartcard
 * passthrough protocol.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";
import type { DomainDef } from "../def.ts";
import { type DeviceInfo, formatDeviceInfo, parseDeviceInfo } from "../device-info.ts";
import { CHR_TYPES, type ChrSource, formatChrSource, parseChrSource } from "./chardev-source.ts";

/** How the reader is backed (`mode`). */
export const SMARTCARD_MODES = ["host", "host-certificates", "passthrough"] as const;

/** A `<smartcard>` device. */
export type SmartcardDef =
  & {
    /** address (of type `ccid`), alias and the like */
    info: DeviceInfo;
  }
  & (
    | { mode: "host" }
    | {
      mode: "host-certificates";
      /** the three `<certificate>` names, in order */
      certificates: [string, string, string];
      /** `<database>`: absolute path of the certificate database directory */
      database?: string;
    }
    | { mode: "passthrough"; source: ChrSource }
  );

/**
 * Parses `<smartcard>`.
 *
 * @throws VirtError naming the field at fault
 * @example
 * ```ts
 * // <smartcard mode='passthrough' type='spicevmc'/>
 * parseSmartcard(r, ctx); // { mode: "passthrough", source: { type: "spicevmc" }, info: {} }
 * ```
 */
export function parseSmartcard(r: XmlReader, ctx: ParseContext): SmartcardDef {
  const mode = r.reqEnum("mode", SMARTCARD_MODES);
  let def: SmartcardDef;
  switch (mode) {
    case "host":
      def = { mode, info: {} };
      break;
    case "host-certificates": {
      const certs = r.children("certificate");
      if (certs.length !== 3) throw r.error(`host-certificates mode needs exactly three <certificate> elements, found ${certs.length}`);
      def = { mode, certificates: [certs[0].text(), certs[1].text(), certs[2].text()], info: {} };
      const db = r.child("database");
      if (db) {
        const path = db.text();
        if (!path.startsWith("/")) throw db.error(`expected an absolute path for <database>, found '${path}'`);
        def.database = path;
      }
      break;
    }
    case "passthrough": {
      const type = r.enum("type", CHR_TYPES);
      if (!type) throw r.error("passthrough mode needs a character device 'type'");
      def = { mode, source: parseChrSource(r, type, ctx), info: {} };
      break;
    }
  }
  def.info = parseDeviceInfo(r, ctx);
  if (def.info.address && def.info.address.type !== "ccid") {
    throw r.error(`a smartcard needs an address of type 'ccid', not '${def.info.address.type}'`);
  }
  return def;
}

/** Writes `<smartcard>`. */
export function formatSmartcard(w: XmlWriter, v: SmartcardDef, ctx: FormatContext): void {
  const type = v.mode === "passthrough" ? v.source.type : undefined;
  w.elem("smartcard", [["mode", v.mode], ["type", type]], (w) => {
    if (v.mode === "host-certificates") {
      for (const c of v.certificates) w.text("certificate", c);
      w.text("database", v.database);
    } else if (v.mode === "passthrough") {
      formatChrSource(w, v.source, ctx);
    }
    formatDeviceInfo(w, v.info, ctx);
  });
}

/**
 * Post-parse rule (one of the domain checks): a smartcard without an address
 * gets slot N+1 of CCID controller 0, N being the highest slot already used
 * there. The CCID controllers themselves are added with the implicit
 * controllers.
 */
export function checkSmartcards(def: DomainDef): void {
  for (const card of def.devices.smartcards) {
    if (card.info.address) continue;
    let max = -1;
    for (const other of def.devices.smartcards) {
      const a = other.info.address;
      if (a?.type === "ccid" && (a.controller ?? 0) === 0) max = Math.max(max, a.slot ?? 0);
    }
    card.info.address = { type: "ccid", controller: 0, slot: max + 1 };
  }
}
