/**
 * Confidential guests: `<launchSecurity>` for AMD SEV and s390 protected
 * virtualization.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** Launch security technologies. */
export const LAUNCH_SECURITY_TYPES = ["sev", "s390-pv"] as const;

/** `<launchSecurity type='sev'>`. */
export interface SevDef {
  type: "sev";
  kernelHashes?: "yes" | "no";
  /** C-bit position in guest page table entries. */
  cbitpos?: number;
  reducedPhysBits?: number;
  /** Guest policy (a 32-bit mask). */
  policy: number;
  /** Guest owner's base64 Diffie-Hellman key. */
  dhCert?: string;
  /** Guest owner's base64 session blob. */
  session?: string;
}

/** The parsed `<launchSecurity>` element. */
export type LaunchSecurityDef = SevDef | { type: "s390-pv" };

function optionalUint(r: XmlReader, name: string): number | undefined {
  const c = r.child(name);
  if (!c) return undefined;
  const t = c.text().trim();
  if (!/^\d+$/.test(t)) {
    throw c.error(`invalid launch security ${name} '${t}', expected a non-negative integer`);
  }
  return Number(t);
}

function optionalText(r: XmlReader, name: string): string | undefined {
  const t = r.child(name)?.text();
  return t ? t : undefined;
}

function parseSev(r: XmlReader): SevDef {
  const p = r.child("policy");
  const text = p?.text().trim() ?? "";
  if (!p || !/^(0x)?[0-9a-fA-F]+$/.test(text)) {
    throw r.error("missing or invalid launch security <policy>, expected a hexadecimal number");
  }
  r.child("handle"); // allowed by the schema; libvirt ignores it
  return {
    type: "sev",
    kernelHashes: r.enum("kernelHashes", ["yes", "no"]),
    cbitpos: optionalUint(r, "cbitpos"),
    reducedPhysBits: optionalUint(r, "reducedPhysBits"),
    policy: parseInt(text.replace(/^0x/, ""), 16),
    dhCert: optionalText(r, "dhCert"),
    session: optionalText(r, "session"),
  };
}

/**
 * Parses `<launchSecurity>`.
 *
 * @throws VirtError for an unknown type or a missing or malformed SEV policy
 */
export function parseLaunchSecurity(r: XmlReader, _ctx: ParseContext): LaunchSecurityDef {
  const type = r.reqEnum("type", LAUNCH_SECURITY_TYPES);
  return type === "sev" ? parseSev(r) : { type };
}

/** Writes `<launchSecurity>`; the SEV policy as four or more hex digits. */
export function formatLaunchSecurity(
  w: XmlWriter,
  v: LaunchSecurityDef,
  _ctx: FormatContext,
): void {
  if (v.type !== "sev") {
    w.elem("launchSecurity", [["type", v.type]]);
    return;
  }
  w.elem("launchSecurity", [["type", "sev"], ["kernelHashes", v.kernelHashes]], (w) => {
    w.text("cbitpos", v.cbitpos);
    w.text("reducedPhysBits", v.reducedPhysBits);
    w.text("policy", `0x${v.policy.toString(16).padStart(4, "0")}`);
    w.text("dhCert", v.dhCert);
    w.text("session", v.session);
  });
}
