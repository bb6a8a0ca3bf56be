/**
 * `<redirfilter>`: which USB devices may be redirected to the guest, as an
 * ordered list of allow/deny rules matched on class, vendor, product and
 * USB version.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";

/** One `<usbdev>` rule; an absent field matches any device. */
export interface RedirfilterRule {
  /** USB class code, 0..0xFF */
  class?: number;
  vendor?: number;
  product?: number;
  /** USB version in BCD, 0xJJMN (2.0 is 0x0200) */
  version?: number;
  allow: boolean;
}

/** The `<redirfilter>` element. */
export interface RedirfilterDef {
  /** rules, first match wins */
  rules: RedirfilterRule[];
}

/** An integer the way C's strtol reads it with base 0: decimal, 0x hex or 0 octal, with a sign. */
function cInt(r: XmlReader, name: string): number | undefined {
  const v = r.attr(name);
  if (v === undefined) return undefined;
  const m = /^\s*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(v);
  if (!m) throw r.error(`invalid value '${v}' for attribute '${name}', expected an integer or -1`);
  const body = m[2];
  const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === "0" ? parseInt(body, 8) : Number(body);
  const value = m[1] === "-" ? -n : n;
  if (value < -0x80000000 || value > 0x7fffffff) throw r.error(`value '${v}' of attribute '${name}' is out of range`);
  return value;
}

/** Negative values (-1 in practice) match any device. */
const any = (n: number | undefined) => n === undefined || n < 0 ? undefined : n;

/** `J.M` or `JJ.MN` to BCD; `J.M` means `J.M0`. */
function usbVersion(r: XmlReader): number | undefined {
  const v = r.attr("version");
  if (v === undefined || v === "-1") return undefined;
  const m = /^\s*\+?(\d+)\.(\d+)$/.exec(v);
  const major = m ? Number(m[1]) : NaN;
  let minor = m ? Number(m[2]) : NaN;
  if (!m || major >= 100 || minor >= 100) throw r.error(`invalid USB version '${v}', expected MAJOR.MINOR with at most two digits each`);
  if (m[2].length === 1) minor *= 10;
  return (Math.floor(major / 10) << 12) | ((major % 10) << 8) | (Math.floor(minor / 10) << 4) | (minor % 10);
}

function parseRule(u: XmlReader): RedirfilterRule {
  const cls = cInt(u, "class");
  if (cls !== undefined && cls !== -1 && (cls < 0 || cls > 0xff)) {
    throw u.error(`invalid USB class code '${u.attr("class")}', expected 0x00 to 0xFF or -1`);
  }
  const allow = u.yesNo("allow");
  if (allow === undefined) throw u.error("missing attribute 'allow'");
  return { class: any(cls), vendor: any(cInt(u, "vendor")), product: any(cInt(u, "product")), version: usbVersion(u), allow };
}

/**
 * Parses `<redirfilter>`.
 *
 * @throws VirtError naming the rule attribute at fault
 * @example
 * ```ts
 * // <redirfilter><usbdev class='0x08' allow='yes'/></redirfilter>
 * parseRedirfilter(r, ctx); // { rules: [{ class: 8, allow: true }] }
 * ```
 */
export function parseRedirfilter(r: XmlReader, _ctx: ParseContext): RedirfilterDef {
  return { rules: r.children("usbdev").map(parseRule) };
}

const hex = (n: number | undefined, width: number) =>
  n === undefined ? undefined : "0x" + n.toString(16).toUpperCase().padStart(width, "0");

function versionText(v: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  const major = ((v & 0xf000) >> 12) * 10 + ((v & 0x0f00) >> 8);
  const minor = ((v & 0x00f0) >> 4) * 10 + (v & 0x000f);
  return `${major}.${String(minor).padStart(2, "0")}`;
}

/** Writes `<redirfilter>`; a filter without rules is left out. */
export function formatRedirfilter(w: XmlWriter, v: RedirfilterDef, _ctx: FormatContext): void {
  if (!v.rules.length) return;
  w.block("redirfilter", null, (w) => {
    for (const u of v.rules) {
      w.elem("usbdev", [
        ["class", hex(u.class, 2)], ["vendor", hex(u.vendor, 4)], ["product", hex(u.product, 4)],
        ["version", versionText(u.version)], ["allow", u.allow ? "yes" : "no"],
      ]);
    }
  });
}
