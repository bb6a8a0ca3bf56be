/**
 * The secret XML model: a secret's flags, UUID, description and what it is
 * used for. The secret's value is not part of the XML.
 * @module
 */
import { readDocument, type XmlReader, XmlWriter } from "../xml/mod.ts";
import { readUuid } from "./common.ts";

/** Usage kinds, and the element naming the user of each. */
const USAGE_ELEMENTS = { volume: "volume", ceph: "name", iscsi: "target", tls: "name", vtpm: "name" } as const;

/** What a secret is for. */
export type SecretUsageType = keyof typeof USAGE_ELEMENTS;

/** Every usage kind, for messages and UIs. */
export const SECRET_USAGE_TYPES = Object.keys(USAGE_ELEMENTS) as SecretUsageType[];

/** `<usage>`: the kind, and the volume path, Ceph/TLS/vTPM name or iSCSI target. */
export interface SecretUsage {
  type: SecretUsageType;
  id: string;
}

/** A secret definition. */
export interface SecretDef {
  /** Kept in memory only, never stored. */
  ephemeral: boolean;
  /** Its value is never revealed to callers. */
  private: boolean;
  /** Canonical lower-case UUID (generated when the XML has none). */
  uuid: string;
  description?: string;
  /** Undefined when the secret has no usage (or `type='none'`). */
  usage?: SecretUsage;
}

/** Options of {@link parseSecretXml}. */
export interface ParseSecretOptions {
  /** Reject unknown elements and attributes instead of ignoring them. */
  validate?: boolean;
}

function flag(r: XmlReader, name: string): boolean {
  return r.yesNo(name) ?? false;
}

function parseUsage(u: XmlReader): SecretUsage | undefined {
  const type = u.reqEnum("type", ["none", ...SECRET_USAGE_TYPES]);
  if (type === "none") return undefined;
  const el = USAGE_ELEMENTS[type];
  const id = u.child(el)?.text();
  if (!id) throw u.error(`usage type '${type}' needs a non-empty <${el}> element`);
  return { type, id };
}

/**
 * Parses secret XML.
 *
 * @throws VirtError naming the element and field at fault
 * @example
 * ```ts
 * const s = parseSecretXml("<secret private='yes'><usage type='ceph'><name>client.admin</name></usage></secret>");
 * s.usage; // { type: "ceph", id: "client.admin" }
 * ```
 */
export function parseSecretXml(xml: string, opts: ParseSecretOptions = {}): SecretDef {
  return readDocument(xml, "secret", "secret", opts.validate ?? false, (r) => {
    const usageEl = r.child("usage");
    return {
      ephemeral: flag(r, "ephemeral"),
      private: flag(r, "private"),
      uuid: readUuid(r),
      description: r.child("description")?.text() || undefined,
      usage: usageEl ? parseUsage(usageEl) : undefined,
    };
  });
}

/** Formats a secret definition as libvirt writes it. */
export function formatSecretXml(def: SecretDef): string {
  const w = new XmlWriter();
  w.block("secret", [["ephemeral", def.ephemeral ? "yes" : "no"], ["private", def.private ? "yes" : "no"]], (w) => {
    w.text("uuid", def.uuid);
    w.text("description", def.description);
    if (def.usage) {
      const u = def.usage;
      w.block("usage", [["type", u.type]], (w) => w.text(USAGE_ELEMENTS[u.type], u.id));
    }
  });
  return w.toString();
}
