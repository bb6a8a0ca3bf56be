/**
 * `<bandwidth>`: inbound and outbound traffic shaping of a network, a
 * portgroup or (later) a guest interface.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";

/** One direction's limits; rates in KiB/s, burst in KiB. */
export interface BandwidthRate {
  average?: number;
  peak?: number;
  burst?: number;
  /** Guaranteed minimum (inbound of guest interfaces only). */
  floor?: number;
}

/** `<bandwidth>`; undefined directions are not shaped. */
export interface BandwidthDef {
  inbound?: BandwidthRate;
  outbound?: BandwidthRate;
}

/** What a context allows in `<bandwidth>`. */
export interface BandwidthOptions {
  /** Accept `floor` on `<inbound>`. */
  allowFloor?: boolean;
}

function parseRate(r: XmlReader, allowFloor: boolean): BandwidthRate {
  const rate: BandwidthRate = {
    average: r.uint("average"),
    peak: r.uint("peak"),
    burst: r.uint("burst"),
    floor: r.uint("floor"),
  };
  if (rate.average === undefined && rate.floor === undefined) {
    throw r.error(`<${r.name}> needs an 'average' or a 'floor' attribute`);
  }
  if ((rate.peak !== undefined || rate.burst !== undefined) && rate.average === undefined) {
    throw r.error(`'peak' and 'burst' of <${r.name}> need an 'average' attribute`);
  }
  if (rate.floor !== undefined && !allowFloor) {
    throw r.error(
      r.name === "outbound"
        ? "the 'floor' attribute is allowed only on <inbound>"
        : "the 'floor' attribute is not supported here",
    );
  }
  return rate;
}

/**
 * Parses `<bandwidth>`; returns undefined when it shapes neither direction.
 * Unknown children are ignored, as libvirt does.
 */
export function parseBandwidth(r: XmlReader, opts: BandwidthOptions = {}): BandwidthDef | undefined {
  const ins = r.children("inbound");
  const outs = r.children("outbound");
  if (ins.length > 1) throw ins[1].error("only one <inbound> is allowed in <bandwidth>");
  if (outs.length > 1) throw outs[1].error("only one <outbound> is allowed in <bandwidth>");
  const def: BandwidthDef = {
    inbound: ins[0] ? parseRate(ins[0], opts.allowFloor ?? false) : undefined,
    outbound: outs[0] ? parseRate(outs[0], false) : undefined,
  };
  return def.inbound || def.outbound ? def : undefined;
}

function formatRate(w: XmlWriter, name: string, rate: BandwidthRate | undefined): void {
  if (!rate || !(rate.average || rate.floor)) return;
  w.elem(name, [
    ["average", rate.average || undefined],
    ["peak", rate.peak || undefined],
    ["floor", rate.floor || undefined],
    ["burst", rate.burst || undefined],
  ]);
}

/** Writes `<bandwidth>` when defined. */
export function formatBandwidth(w: XmlWriter, b: BandwidthDef | undefined): void {
  if (!b) return;
  w.block("bandwidth", null, (w) => {
    formatRate(w, "inbound", b.inbound);
    formatRate(w, "outbound", b.outbound);
  });
}
