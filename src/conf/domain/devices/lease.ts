/**
 * `<lease>`: a lock-manager lease the guest holds while it runs, named by
 * lockspace and key and stored at an offset of a host file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";

/** A `<lease>`. */
export interface LeaseDef {
  lockspace?: string;
  key: string;
  /** `<target path>`: the file holding the lease. */
  path: string;
  /** `<target offset>` in bytes; 0 is not written. */
  offset?: number;
}

/**
 * Parses `<lease>`.
 *
 * @example
 * ```ts
 * // <lease><lockspace>ls</lockspace><key>k</key><target path='/leases' offset='1024'/></lease>
 * parseLease(r, ctx); // { lockspace: "ls", key: "k", path: "/leases", offset: 1024 }
 * ```
 */
export function parseLease(r: XmlReader, _ctx: ParseContext): LeaseDef {
  const key = r.childText("key");
  if (!key) throw r.error("missing 'key' element for lease");
  const t = r.child("target");
  const path = t?.attr("path");
  if (!t || !path) throw r.error("missing 'target' element for lease");
  const offset = t.attr("offset");
  if (offset !== undefined && !/^\s*\+?\d+\s*$/.test(offset)) throw t.error(`malformed lease target offset '${offset}'`);
  return { lockspace: r.childText("lockspace") || undefined, key, path, offset: Number(offset ?? 0) || undefined };
}

/** Writes `<lease>`. */
export function formatLease(w: XmlWriter, l: LeaseDef, _ctx: FormatContext): void {
  w.block("lease", null, (w) => {
    w.text("lockspace", l.lockspace);
    w.text("key", l.key);
    w.elem("target", [["path", l.path], ["offset", l.offset]]);
  });
}
