/**
 * `<virtualport>`: the port profile of an 802.1Qbg/802.1Qbh switch, Open
 * vSwitch or MidoNet port.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import { parseUuid } from "../ids.ts";

/** Virtual port kinds. */
export const VIRTUALPORT_TYPES = ["802.1Qbg", "802.1Qbh", "openvswitch", "midonet"] as const;
/** A virtual port kind. */
export type VirtualPortType = typeof VIRTUALPORT_TYPES[number];

/** `<virtualport>`; absent type means "to be merged with the network's". */
export interface VirtualPortDef {
  type?: VirtualPortType;
  managerId?: number;
  typeId?: number;
  typeIdVersion?: number;
  instanceId?: string;
  profileId?: string;
  interfaceId?: string;
}

/** Which parameters each type accepts (an untyped port accepts all). */
const ALLOWED: Record<VirtualPortType, (keyof VirtualPortDef)[]> = {
  "802.1Qbg": ["managerId", "typeId", "typeIdVersion", "instanceId"],
  "802.1Qbh": ["profileId"],
  openvswitch: ["profileId", "interfaceId"],
  midonet: ["interfaceId"],
};

const ATTR_NAMES: Record<string, string> = {
  managerId: "managerid",
  typeId: "typeid",
  typeIdVersion: "typeidversion",
  instanceId: "instanceid",
  profileId: "profileid",
  interfaceId: "interfaceid",
};

/** Reads an unsigned number in C's base-0 notation (decimal, 0x hex or 0 octal). */
function cNumber(r: XmlReader, name: string, max: number): number | undefined {
  const v = r.attr(name);
  if (v === undefined) return undefined;
  const t = v.trim();
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^0[0-7]*$/.test(t)) n = parseInt(t, 8);
  else if (/^[1-9]\d*$/.test(t)) n = Number(t);
  else throw r.error(`invalid value '${v}' for parameter '${name}', expected a non-negative integer`);
  if (n > max) throw r.error(`value ${v} of parameter '${name}' is out of range (maximum ${max})`);
  return n;
}

function uuidParam(r: XmlReader, name: string): string | undefined {
  const v = r.attr(name);
  if (v === undefined) return undefined;
  const u = parseUuid(v);
  if (!u) throw r.error(`parameter '${name}' is not a valid uuid: '${v}'`);
  return u;
}

/** Parses `<virtualport>`; `requireType` rejects one without a `type`. */
export function parseVirtualPort(r: XmlReader, opts: { requireType?: boolean } = {}): VirtualPortDef {
  const def: VirtualPortDef = { type: r.enum("type", VIRTUALPORT_TYPES) };
  if (!def.type && opts.requireType) throw r.error("missing attribute 'type' of <virtualport>");
  const p = r.child("parameters");
  if (p) {
    def.managerId = cNumber(p, "managerid", 0xff);
    def.typeId = cNumber(p, "typeid", 0xffffff);
    def.typeIdVersion = cNumber(p, "typeidversion", 0xff);
    def.instanceId = uuidParam(p, "instanceid");
    def.profileId = p.attr("profileid");
    if (def.profileId !== undefined && def.profileId.length > 39) {
      throw p.error("parameter 'profileid' is too long (at most 39 characters)");
    }
    def.interfaceId = uuidParam(p, "interfaceid");
    if (def.type) {
      for (const k of Object.keys(ATTR_NAMES) as (keyof VirtualPortDef)[]) {
        if (def[k] !== undefined && !ALLOWED[def.type].includes(k)) {
          throw p.error(`parameter '${ATTR_NAMES[k]}' is not allowed with <virtualport type='${def.type}'>`);
        }
      }
    }
  }
  return def;
}

/** Writes `<virtualport>` (nothing for an untyped port without parameters). */
export function formatVirtualPort(w: XmlWriter, v: VirtualPortDef | undefined): void {
  if (!v) return;
  const allowed = (k: keyof VirtualPortDef) => !v.type || ALLOWED[v.type].includes(k);
  const pick = (k: keyof VirtualPortDef) => (allowed(k) && v[k] !== "" ? v[k] : undefined);
  const params: [string, string | number | undefined][] = [
    ["managerid", pick("managerId")],
    ["typeid", pick("typeId")],
    ["typeidversion", pick("typeIdVersion")],
    ["instanceid", pick("instanceId")],
    ["interfaceid", pick("interfaceId")],
    ["profileid", pick("profileId")],
  ];
  const hasParams = params.some(([, x]) => x !== undefined);
  if (!v.type && !hasParams) return;
  w.elem("virtualport", [["type", v.type]], hasParams ? (w) => w.elem("parameters", params) : undefined);
}
