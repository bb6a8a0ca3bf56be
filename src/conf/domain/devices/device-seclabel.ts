/**
 * Per-device `<seclabel>` overrides, found inside the `<source>` of disks and
 * character devices: they change how one host resource is labelled, or stop
 * it from being relabelled at all.
 * @module
 */
import type { Attr, XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";

/** Longest label libvirt keeps; a longer one is dropped. */
const MAX_LABEL_LENGTH = 4095;

/** One `<seclabel>` override of a device source. */
export interface DeviceSeclabel {
  /** Security driver the override is for (`selinux`, `dac`, ...); absent means every driver. */
  model?: string;
  /** Whether the resource is relabelled (`relabel`, default yes). */
  relabel: boolean;
  /** Live state only: relabelling was skipped (`labelskip='yes'`). */
  labelskip?: boolean;
  /** The label to apply (`<label>`). */
  label?: string;
}

/**
 * Reads every `<seclabel>` child of `source`.
 *
 * @example
 * ```ts
 * // <source path='/tmp/f'><seclabel model='dac' relabel='no'/></source>
 * parseDeviceSeclabels(source, ctx); // [{ model: "dac", relabel: false }]
 * ```
 */
export function parseDeviceSeclabels(source: XmlReader, ctx: ParseContext): DeviceSeclabel[] {
  const out: DeviceSeclabel[] = [];
  for (const s of source.children("seclabel")) {
    const model = s.attr("model");
    if (model !== undefined && out.some((o) => o.model === model)) {
      throw s.error(`seclabel for model '${model}' is already given`);
    }
    const relabelAttr = s.yesNo("relabel");
    const label: DeviceSeclabel = { model, relabel: relabelAttr ?? true };
    // labelskip is live state.
    if (s.yesNo("labelskip") && !ctx.inactive) label.labelskip = true;
    const text = s.child("label")?.text();
    if (text && text.length <= MAX_LABEL_LENGTH) label.label = text;
    if (label.label !== undefined && !label.relabel) {
      throw s.error(`a <label> cannot be given when 'relabel' is 'no' (model '${model ?? ""}')`);
    }
    if (relabelAttr !== undefined && ctx.inactive && label.relabel && label.label === undefined) {
      throw s.error(`'relabel' needs a <label> (model '${model ?? ""}')`);
    }
    out.push(label);
  }
  return out;
}

/** Writes the overrides in order; the inactive form leaves out those that say nothing. */
export function formatDeviceSeclabels(w: XmlWriter, labels: readonly DeviceSeclabel[] | undefined, ctx: FormatContext): void {
  for (const l of labels ?? []) {
    if (ctx.inactive && l.label === undefined && l.relabel) continue;
    const attrs: Attr[] = [
      ["model", l.model],
      l.labelskip ? ["labelskip", "yes"] : ["relabel", l.relabel ? "yes" : "no"],
    ];
    w.elem("seclabel", attrs, l.label === undefined ? undefined : (w) => w.text("label", l.label));
  }
}
