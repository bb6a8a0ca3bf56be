/**
 * Time keeping: `<clock>` with the guest's offset from the host clock and
 * its `<timer>` devices.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** How the guest clock relates to the host clock (`offset`). */
export const CLOCK_OFFSETS = ["utc", "localtime", "timezone", "variable", "absolute"] as const;
/** Timer devices. */
export const TIMER_NAMES = [
  "platform",
  "pit",
  "rtc",
  "hpet",
  "tsc",
  "kvmclock",
  "hypervclock",
  "armvtimer",
] as const;
/** What happens to ticks missed while the guest could not run. */
export const TIMER_TICKPOLICIES = ["delay", "catchup", "merge", "discard"] as const;
/** What an RTC or platform timer follows. */
export const TIMER_TRACKS = ["boot", "guest", "wall", "realtime"] as const;
/** How the TSC is provided. */
export const TIMER_MODES = ["auto", "native", "emulate", "paravirt", "smpsafe"] as const;

/** A timer name. */
export type TimerName = (typeof TIMER_NAMES)[number];

/** One `<timer>`. */
export interface TimerDef {
  name: TimerName;
  present?: "yes" | "no";
  tickpolicy?: (typeof TIMER_TICKPOLICIES)[number];
  track?: (typeof TIMER_TRACKS)[number];
  /** TSC frequency in Hz. */
  frequency?: number;
  mode?: (typeof TIMER_MODES)[number];
  /** `<catchup>` settings (with `tickpolicy='catchup'` only). */
  catchup?: { threshold?: number; slew?: number; limit?: number };
}

/** The parsed `<clock>` element. */
export interface ClockDef {
  offset: (typeof CLOCK_OFFSETS)[number];
  /** `adjustment='reset'` of a utc or localtime clock. */
  reset?: boolean;
  /** Seconds from the basis, for a variable clock. */
  adjustment?: number;
  /** What a variable clock is relative to (`utc` when unset). */
  basis?: "utc" | "localtime";
  /** Time zone of a timezone clock. */
  timezone?: string;
  /** Epoch seconds the clock starts at, for an absolute clock. */
  start?: number;
  timers: TimerDef[];
}

/** A number the way XPath `number()` reads one: surrounding spaces allowed, NaN otherwise. */
function xpathNumber(v: string | undefined): number {
  return v === undefined || !/^\s*[-+]?\d+\s*$/.test(v) ? NaN : Number(v);
}

function parseTimer(t: XmlReader): TimerDef {
  const name = t.reqEnum("name", TIMER_NAMES);
  const def: TimerDef = {
    name,
    present: t.enum("present", ["yes", "no"]),
    tickpolicy: t.enum("tickpolicy", TIMER_TICKPOLICIES),
    track: t.enum("track", TIMER_TRACKS),
    frequency: t.uint("frequency") || undefined,
    mode: t.enum("mode", TIMER_MODES),
  };
  const c = t.child("catchup");
  if (c) {
    def.catchup = { threshold: c.uint("threshold"), slew: c.uint("slew"), limit: c.uint("limit") };
  }
  if ((name === "kvmclock" || name === "hypervclock") && def.tickpolicy) {
    throw t.error(`timer ${name} does not support setting 'tickpolicy'`);
  }
  const cu = def.catchup;
  if (def.tickpolicy !== "catchup" && (cu?.threshold || cu?.slew || cu?.limit)) {
    throw t.error("timer <catchup> settings need tickpolicy='catchup'");
  }
  if (name !== "tsc" && def.frequency) {
    throw t.error(`timer ${name} does not support setting 'frequency'`);
  }
  if (name !== "tsc" && def.mode) throw t.error(`timer ${name} does not support setting 'mode'`);
  if (name !== "platform" && name !== "rtc" && def.track) {
    throw t.error(`timer ${name} does not support setting 'track'`);
  }
  return def;
}

/**
 * Parses `<clock>`. A numeric `adjustment` on a utc or localtime clock turns
 * it into a variable clock with that basis, as libvirt does.
 *
 * @throws VirtError for unknown offsets or timer settings, or a missing
 *   `timezone` or `start`
 */
export function parseClock(r: XmlReader, _ctx: ParseContext): ClockDef {
  const def: ClockDef = { offset: r.enum("offset", CLOCK_OFFSETS) ?? "utc", timers: [] };
  const adjustment = r.attr("adjustment");
  switch (def.offset) {
    case "utc":
    case "localtime":
      if (adjustment === "reset") def.reset = true;
      else if (adjustment !== undefined) {
        if (!/^\s*[-+]?\d+$/.test(adjustment)) {
          throw r.error(`invalid clock adjustment '${adjustment}'`);
        }
        def.basis = def.offset;
        def.offset = "variable";
        def.adjustment = Number(adjustment);
      }
      break;
    case "variable": {
      const n = xpathNumber(adjustment);
      def.adjustment = Number.isNaN(n) ? 0 : n;
      def.basis = r.enum("basis", ["utc", "localtime"]) ?? "utc";
      break;
    }
    case "timezone":
      def.timezone = r.attr("timezone");
      if (!def.timezone) {
        throw r.error("missing attribute 'timezone' for a clock with offset='timezone'");
      }
      break;
    case "absolute": {
      const n = xpathNumber(r.attr("start"));
      if (Number.isNaN(n) || n < 0) {
        throw r.error("missing or invalid attribute 'start' for a clock with offset='absolute'");
      }
      def.start = n;
      break;
    }
  }
  def.timers = r.children("timer").map(parseTimer);
  return def;
}

function formatTimer(w: XmlWriter, t: TimerDef): void {
  const tsc = t.name === "tsc";
  const c = t.catchup;
  w.elem("timer", [
    ["name", t.name],
    ["present", t.present],
    ["tickpolicy", t.tickpolicy],
    ["track", t.track],
    ["frequency", tsc && t.frequency ? t.frequency : undefined],
    ["mode", tsc ? t.mode : undefined],
  ], (w) => {
    if (c) {
      w.group("catchup", [["threshold", c.threshold || undefined], ["slew", c.slew || undefined], [
        "limit",
        c.limit || undefined,
      ]], () => {});
    }
  });
}

/** Writes `<clock>`. */
export function formatClock(w: XmlWriter, v: ClockDef, _ctx: FormatContext): void {
  const attrs: [string, string | number | undefined][] = [["offset", v.offset]];
  switch (v.offset) {
    case "utc":
    case "localtime":
      if (v.reset) attrs.push(["adjustment", "reset"]);
      break;
    case "variable":
      attrs.push(["adjustment", v.adjustment ?? 0], ["basis", v.basis ?? "utc"]);
      break;
    case "timezone":
      attrs.push(["timezone", v.timezone]);
      break;
    case "absolute":
      attrs.push(["start", v.start]);
      break;
  }
  w.elem("clock", attrs, (w) => {
    for (const t of v.timers) formatTimer(w, t);
  });
}
