/**
 * PCI Vital Product Data: the resource list a device exposes in sysfs
 * (`vpd`), decoded into the product name and the read-only and read-write
 * keyword fields.
 *
 * The data is a list of resources. Large ones start with a tag byte with the
 * top bit set and a 16-bit little-endian length: `0x82` is the product name,
 * `0x90` the read-only fields, `0x91` the read-write fields. The small tag
 * `0x78` ends the list. A field is a two-letter keyword, a length byte and
 * the value.
 * @module
 */
import type { PciVpd } from "./def.ts";

/** What a field value may contain to be shown (printable ASCII the schema accepts). */
const VALUE_RE = /^[0-9a-zA-F -_,.:;=]{0,255}$/;

/** Decodes VPD bytes; undefined when they hold no product name or are malformed. */
export function parseVpd(bytes: Uint8Array): PciVpd | undefined {
  const text = (b: Uint8Array) => new TextDecoder("latin1").decode(b).replace(/\0+$/, "").trim();
  let name: string | undefined;
  let readOnly: PciVpd["readOnly"];
  let readWrite: PciVpd["readWrite"];
  let i = 0;
  while (i < bytes.length) {
    const tag = bytes[i];
    if (tag === 0x78 || tag === 0x79) break; // end tag
    if (!(tag & 0x80)) {
      i += 1 + (tag & 0x07); // another small resource: skip it
      continue;
    }
    if (i + 3 > bytes.length) return undefined;
    const len = bytes[i + 1] | (bytes[i + 2] << 8);
    const body = bytes.subarray(i + 3, i + 3 + len);
    if (body.length < len) return undefined;
    if (tag === 0x82) name = text(body);
    else if (tag === 0x90) readOnly = readOnlyFields(fields(body));
    else if (tag === 0x91) readWrite = readWriteFields(fields(body));
    i += 3 + len;
  }
  if (name === undefined || !VALUE_RE.test(name)) return undefined;
  return { name, readOnly, readWrite };
}

/** The keyword/value pairs of a VPD-R or VPD-W resource, printable values only. */
function fields(body: Uint8Array): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  while (i + 3 <= body.length) {
    const key = String.fromCharCode(body[i], body[i + 1]);
    const len = body[i + 2];
    const raw = body.subarray(i + 3, i + 3 + len);
    i += 3 + len;
    if (key === "RV" || key === "RW") continue; // checksum, free space
    const value = new TextDecoder("latin1").decode(raw).replace(/\0+$/, "").trim();
    if (/^[A-Z0-9]{2}$/.test(key) && VALUE_RE.test(value)) out.push([key, value]);
  }
  return out;
}

function readOnlyFields(list: [string, string][]): PciVpd["readOnly"] {
  const ro: NonNullable<PciVpd["readOnly"]> = { vendorFields: [] };
  for (const [k, v] of list) {
    if (k === "EC") ro.changeLevel = v;
    else if (k === "MN") ro.manufactureId = v;
    else if (k === "PN") ro.partNumber = v;
    else if (k === "SN") ro.serialNumber = v;
    else if (k[0] === "V") ro.vendorFields.push({ index: k[1], value: v });
  }
  return ro;
}

function readWriteFields(list: [string, string][]): PciVpd["readWrite"] {
  const rw: NonNullable<PciVpd["readWrite"]> = { vendorFields: [], systemFields: [] };
  for (const [k, v] of list) {
    if (k === "YA") rw.assetTag = v;
    else if (k[0] === "V") rw.vendorFields.push({ index: k[1], value: v });
    else if (k[0] === "Y" && k[1] !== "A") rw.systemFields.push({ index: k[1], value: v });
  }
  return rw;
}
