/**
 * Performance monitoring events: `<perf>`.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** Perf events, in the order libvirt writes them. */
export const PERF_EVENTS = [
  "cmt",
  "mbmt",
  "mbml",
  "cpu_cycles",
  "instructions",
  "cache_references",
  "cache_misses",
  "branch_instructions",
  "branch_misses",
  "bus_cycles",
  "stalled_cycles_frontend",
  "stalled_cycles_backend",
  "ref_cpu_cycles",
  "cpu_clock",
  "task_clock",
  "page_faults",
  "context_switches",
  "cpu_migrations",
  "page_faults_min",
  "page_faults_maj",
  "alignment_faults",
  "emulation_faults",
] as const;

/** A perf event name. */
export type PerfEvent = (typeof PERF_EVENTS)[number];

/** The parsed `<perf>` element: the events explicitly enabled or disabled. */
export interface PerfDef {
  events: Partial<Record<PerfEvent, "yes" | "no">>;
}

/**
 * Parses `<perf>`.
 *
 * @throws VirtError for unknown events, a missing `enabled`, or an event given twice
 */
export function parsePerf(r: XmlReader, _ctx: ParseContext): PerfDef {
  const def: PerfDef = { events: {} };
  for (const e of r.children("event")) {
    const name = e.reqEnum("name", PERF_EVENTS);
    const enabled = e.reqEnum("enabled", ["yes", "no"]);
    if (def.events[name]) throw e.error(`perf event '${name}' is given more than once`);
    def.events[name] = enabled;
  }
  return def;
}

/** Writes `<perf>` (nothing when no event is set). */
export function formatPerf(w: XmlWriter, v: PerfDef, _ctx: FormatContext): void {
  w.group("perf", null, (w) => {
    for (const name of PERF_EVENTS) {
      const enabled = v.events[name];
      if (enabled) w.elem("event", [["name", name], ["enabled", enabled]]);
    }
  });
}
