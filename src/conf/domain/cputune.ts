/**
 * CPU tuning: `<cputune>` with CFS shares, periods and quotas, vCPU,
 * emulator and I/O thread pinning and scheduling, and the resctrl
 * `<cachetune>`/`<memorytune>` groups (see `resctrl.ts`).
 * @module
 */
import { VirtError } from "../../errors.ts";
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import { formatBitmap, parseBitmap } from "../bitmap.ts";
import type { FormatContext, ParseContext } from "./context.ts";
import {
  type CachetuneDef,
  formatResctrls,
  type MemorytuneDef,
  parseCachetune,
  parseMemorytune,
  type ResctrlDef,
  resolveResctrls,
} from "./resctrl.ts";

/** Thread schedulers for `<*sched scheduler>`. */
export const SCHEDULERS = ["batch", "idle", "fifo", "rr"] as const;

/** Allowed CFS period, in microseconds. */
const PERIOD_RANGE = [1000, 1000000] as const;
/** Allowed positive CFS quota, in microseconds (negative means unlimited). */
const QUOTA_RANGE = [1000, 17592186044415] as const;

/** A thread's scheduler; `priority` belongs to the real-time `fifo` and `rr`. */
export interface SchedDef {
  scheduler: (typeof SCHEDULERS)[number];
  priority?: number;
}

/** The scheduler of one vCPU or I/O thread, by id. */
export interface ThreadSchedDef {
  id: number;
  sched: SchedDef;
}

/** A pin of one vCPU (`vcpupin`) or I/O thread (`iothreadpin`) to host CPUs. */
export interface ThreadPinDef {
  id: number;
  cpuset: number[];
}

/** The parsed `<cputune>` element; periods and quotas are in microseconds. */
export interface CputuneDef {
  shares?: number;
  period?: number;
  quota?: number;
  globalPeriod?: number;
  globalQuota?: number;
  emulatorPeriod?: number;
  emulatorQuota?: number;
  iothreadPeriod?: number;
  iothreadQuota?: number;
  /** `<vcpupin>` by vCPU id. */
  vcpupins: ThreadPinDef[];
  emulatorpin?: number[];
  /** `<iothreadpin>` by I/O thread id. */
  iothreadpins: ThreadPinDef[];
  emulatorsched?: SchedDef;
  /** `<vcpusched>`, one entry per vCPU. */
  vcpuscheds: ThreadSchedDef[];
  /** `<iothreadsched>`, one entry per I/O thread. */
  iothreadscheds: ThreadSchedDef[];
  /** `<cachetune>` elements as written. */
  cachetunes: CachetuneDef[];
  /** `<memorytune>` elements as written. */
  memorytunes: MemorytuneDef[];
  /** The resctrl groups formatted, computed by {@link resolveCputune}. */
  resctrls: ResctrlDef[];
}

type Range = readonly [number, number];

function tunable(r: XmlReader, name: string, signed: boolean, range?: Range): number | undefined {
  const c = r.child(name);
  if (!c) return undefined;
  const t = c.text().trim();
  if (!(signed ? /^[-+]?\d+$/ : /^\+?\d+$/).test(t)) {
    const expected = signed ? "an integer" : "a non-negative integer";
    throw c.error(`invalid cputune ${name} '${t}', expected ${expected}`);
  }
  const v = Number(t);
  if (range && v > 0 && (v < range[0] || v > range[1])) {
    throw c.error(`cputune ${name} must be in the range [${range[0]}, ${range[1]}]`);
  }
  return v;
}

function cpusetAttr(r: XmlReader): number[] {
  const text = r.attr("cpuset");
  if (text === undefined) throw r.error("missing attribute 'cpuset'");
  const bits = parseBitmap(text);
  if (!bits) throw r.error(`invalid cpuset '${text}'`);
  if (!bits.length) throw r.error(`invalid cpuset '${text}': it selects no CPU`);
  return bits;
}

function parseSched(r: XmlReader): SchedDef {
  const scheduler = r.reqEnum("scheduler", SCHEDULERS);
  if (scheduler !== "fifo" && scheduler !== "rr") return { scheduler };
  const priority = r.int("priority");
  if (priority === undefined) {
    throw r.error(`missing attribute 'priority' for scheduler '${scheduler}'`);
  }
  return { scheduler, priority };
}

function parseThreadScheds(r: XmlReader, element: string, attr: string): ThreadSchedDef[] {
  const out: ThreadSchedDef[] = [];
  for (const s of r.children(element)) {
    const text = s.attr(attr);
    if (text === undefined) throw s.error(`missing attribute '${attr}'`);
    const ids = parseBitmap(text);
    if (!ids) throw s.error(`invalid ${attr} '${text}'`);
    if (!ids.length) throw s.error(`${attr} '${text}' selects nothing`);
    const sched = parseSched(s);
    for (const id of ids) {
      if (out.some((x) => x.id === id)) {
        throw s.error(`<${element}> attributes '${attr}' must not overlap`);
      }
      out.push({ id, sched });
    }
  }
  return out;
}

/**
 * Parses `<cputune>`. Checks against the vCPUs and I/O threads of the
 * domain happen in {@link resolveCputune}.
 *
 * @throws VirtError for bad numbers, out-of-range periods and quotas, bad
 *   cpusets, schedulers, or resctrl elements
 */
export function parseCputune(r: XmlReader, ctx: ParseContext): CputuneDef {
  const emulatorpins = r.children("emulatorpin");
  if (emulatorpins.length > 1) throw emulatorpins[1].error("only one <emulatorpin> is supported");
  const emulatorscheds = r.children("emulatorsched");
  if (emulatorscheds.length > 1) {
    throw emulatorscheds[1].error("only one <emulatorsched> is supported");
  }
  return {
    shares: tunable(r, "shares", false),
    period: tunable(r, "period", false, PERIOD_RANGE),
    quota: tunable(r, "quota", true, QUOTA_RANGE),
    globalPeriod: tunable(r, "global_period", false, PERIOD_RANGE),
    globalQuota: tunable(r, "global_quota", true, QUOTA_RANGE),
    emulatorPeriod: tunable(r, "emulator_period", false, PERIOD_RANGE),
    emulatorQuota: tunable(r, "emulator_quota", true, QUOTA_RANGE),
    iothreadPeriod: tunable(r, "iothread_period", false, PERIOD_RANGE),
    iothreadQuota: tunable(r, "iothread_quota", true, QUOTA_RANGE),
    vcpupins: r.children("vcpupin").map((p) => ({ id: p.reqUint("vcpu"), cpuset: cpusetAttr(p) })),
    emulatorpin: emulatorpins.length ? cpusetAttr(emulatorpins[0]) : undefined,
    iothreadpins: r.children("iothreadpin").map((p) => {
      const id = p.reqUint("iothread");
      if (id === 0) throw p.error("invalid iothread '0', ids start at 1");
      return { id, cpuset: cpusetAttr(p) };
    }),
    emulatorsched: emulatorscheds.length ? parseSched(emulatorscheds[0]) : undefined,
    vcpuscheds: parseThreadScheds(r, "vcpusched", "vcpus"),
    iothreadscheds: parseThreadScheds(r, "iothreadsched", "iothreads"),
    cachetunes: r.children("cachetune").map((c) => parseCachetune(c, ctx)),
    memorytunes: r.children("memorytune").map((c) => parseMemorytune(c, ctx)),
    resctrls: [],
  };
}

/** A `<cputune>` with nothing set, to fill in programmatically. */
export function newCputune(): CputuneDef {
  return {
    vcpupins: [],
    iothreadpins: [],
    vcpuscheds: [],
    iothreadscheds: [],
    cachetunes: [],
    memorytunes: [],
    resctrls: [],
  };
}

const fail = (msg: string) => new VirtError("config-unsupported", "domain", msg);

/**
 * Applies what libvirt does once the vCPU count and I/O thread ids are
 * known: pins of vCPUs that do not exist are dropped, pins and schedulers
 * are put in vCPU and I/O thread order, and the resctrl groups are built.
 *
 * @throws VirtError for a duplicate pin, a scheduler of a missing vCPU, or a
 *   pin or scheduler of a missing I/O thread
 */
export function resolveCputune(t: CputuneDef, maxVcpus: number, iothreadIds: number[]): void {
  const pins: ThreadPinDef[] = [];
  for (const p of t.vcpupins) {
    if (p.id >= maxVcpus) continue;
    if (pins.some((x) => x.id === p.id)) throw fail(`duplicate <vcpupin> for vCPU ${p.id}`);
    pins.push(p);
  }
  t.vcpupins = pins.sort((a, b) => a.id - b.id);
  const badVcpu = t.vcpuscheds.find((s) => s.id >= maxVcpus);
  if (badVcpu) {
    throw fail(`<vcpusched> names vCPU ${badVcpu.id}, but the domain has ${maxVcpus} vCPUs`);
  }
  t.vcpuscheds.sort((a, b) => a.id - b.id);

  const order = (id: number, what: string) => {
    const i = iothreadIds.indexOf(id);
    if (i < 0) throw fail(`<${what}> names I/O thread ${id}, which does not exist`);
    return i;
  };
  t.iothreadpins.forEach((p, i) => {
    order(p.id, "iothreadpin");
    if (t.iothreadpins.slice(0, i).some((x) => x.id === p.id)) {
      throw fail(`duplicate <iothreadpin> for I/O thread ${p.id}`);
    }
  });
  t.iothreadscheds.forEach((s) => order(s.id, "iothreadsched"));
  t.iothreadpins.sort((a, b) => order(a.id, "iothreadpin") - order(b.id, "iothreadpin"));
  t.iothreadscheds.sort((a, b) => order(a.id, "iothreadsched") - order(b.id, "iothreadsched"));
  t.resctrls = resolveResctrls(t.cachetunes, t.memorytunes, maxVcpus);
}

function schedAttrs(s: SchedDef): [string, string | number | undefined][] {
  return [["scheduler", s.scheduler], [
    "priority",
    s.scheduler === "fifo" || s.scheduler === "rr" ? s.priority : undefined,
  ]];
}

/** Writes `<cputune>` (nothing when no tunable is set). */
export function formatCputune(w: XmlWriter, t: CputuneDef, ctx: FormatContext): void {
  w.group("cputune", null, (w) => {
    if (t.shares !== undefined) w.text("shares", t.shares);
    const nonzero = (name: string, v: number | undefined) => {
      if (v) w.text(name, v);
    };
    nonzero("period", t.period);
    nonzero("quota", t.quota);
    nonzero("global_period", t.globalPeriod);
    nonzero("global_quota", t.globalQuota);
    nonzero("emulator_period", t.emulatorPeriod);
    nonzero("emulator_quota", t.emulatorQuota);
    nonzero("iothread_period", t.iothreadPeriod);
    nonzero("iothread_quota", t.iothreadQuota);
    for (const p of t.vcpupins) {
      w.elem("vcpupin", [["vcpu", p.id], ["cpuset", formatBitmap(p.cpuset)]]);
    }
    if (t.emulatorpin) w.elem("emulatorpin", [["cpuset", formatBitmap(t.emulatorpin)]]);
    for (const p of t.iothreadpins) {
      w.elem("iothreadpin", [["iothread", p.id], ["cpuset", formatBitmap(p.cpuset)]]);
    }
    if (t.emulatorsched) w.elem("emulatorsched", schedAttrs(t.emulatorsched));
    for (const s of t.vcpuscheds) w.elem("vcpusched", [["vcpus", s.id], ...schedAttrs(s.sched)]);
    for (const s of t.iothreadscheds) {
      w.elem("iothreadsched", [["iothreads", s.id], ...schedAttrs(s.sched)]);
    }
    formatResctrls(w, t.resctrls, ctx);
  });
}
