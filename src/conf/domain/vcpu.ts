/**
 * CPU allocation: `<vcpu>`, `<vcpus>`, `<iothreads>`, `<iothreadids>` and
 * `<defaultiothread>`.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import { formatBitmap, parseBitmap } from "../bitmap.ts";

/** `<vcpu>` and the optional per-vCPU `<vcpus>` list. */
export interface VcpuDef {
  /** Maximum vCPUs. */
  max: number;
  /** vCPUs online at boot (equals `max` unless fewer were asked for). */
  current: number;
  /** `static` or `auto` (placement from numad). */
  placement: "static" | "auto";
  /** Host CPUs the vCPUs may run on. */
  cpuset?: number[];
  /** Per-vCPU state, present when `<vcpus>` was given. */
  vcpus?: { id: number; enabled: boolean; hotpluggable?: "yes" | "no"; order?: number }[];
}

/** Parses `<vcpu>` (absent means one vCPU) and `<vcpus>` from the domain element. */
export function parseVcpu(dom: XmlReader): VcpuDef {
  const r = dom.child("vcpu");
  const def: VcpuDef = { max: 1, current: 1, placement: "static" };
  if (r) {
    const text = r.text().trim();
    if (!/^\d+$/.test(text)) throw r.error(`invalid vCPU count '${text}'`);
    def.max = Number(text);
    if (def.max === 0) throw r.error("domain must have at least one vCPU");
    def.current = r.uint("current") ?? def.max;
    if (def.current > def.max) throw r.error(`current vCPU count ${def.current} is greater than the maximum ${def.max}`);
    if (def.current === 0) throw r.error("domain must have at least one online vCPU");
    const placement = r.enum("placement", ["static", "auto"]);
    const cpuset = r.attr("cpuset");
    if (cpuset !== undefined) {
      const bits = parseBitmap(cpuset);
      if (!bits) throw r.error(`invalid cpuset '${cpuset}'`);
      def.cpuset = bits;
    }
    def.placement = placement ?? "static";
    if (def.placement === "auto") delete def.cpuset;
  }
  const list = dom.child("vcpus");
  if (list) {
    def.vcpus = [];
    for (const v of list.children("vcpu")) {
      const id = v.reqUint("id");
      if (id >= def.max) throw v.error(`vcpu id ${id} must be lower than the maximum vcpu count ${def.max}`);
      if (def.vcpus.some((x) => x.id === id)) throw v.error(`duplicate vcpu id ${id}`);
      const enabled = v.yesNo("enabled");
      if (enabled === undefined) throw v.error("missing attribute 'enabled'");
      def.vcpus.push({ id, enabled, hotpluggable: v.enum("hotpluggable", ["yes", "no"]), order: v.uint("order") });
    }
    def.vcpus.sort((a, b) => a.id - b.id);
    def.current = def.vcpus.filter((v) => v.enabled).length || def.current;
  }
  return def;
}

/** Writes `<vcpu>` and, when given, `<vcpus>`. */
export function formatVcpu(w: XmlWriter, v: VcpuDef): void {
  w.text("vcpu", v.max, [
    ["placement", v.placement],
    ["cpuset", v.cpuset && v.cpuset.length ? formatBitmap(v.cpuset) : undefined],
    ["current", v.current !== v.max ? v.current : undefined],
  ]);
  if (v.vcpus) {
    w.elem("vcpus", null, (w) => {
      for (const c of v.vcpus!) {
        w.elem("vcpu", [["id", c.id], ["enabled", c.enabled ? "yes" : "no"], ["hotpluggable", c.hotpluggable], ["order", c.order]]);
      }
    });
  }
}

/** One I/O thread. */
export interface IothreadDef {
  id: number;
  /** Whether it was filled in to reach the `<iothreads>` count rather than listed. */
  autofill?: boolean;
  threadPoolMin?: number;
  threadPoolMax?: number;
  poll?: { max?: number; grow?: number; shrink?: number };
}

/** `<iothreads>`, `<iothreadids>` and `<defaultiothread>`. */
export interface IothreadsDef {
  ids: IothreadDef[];
  defaultThread?: { threadPoolMin?: number; threadPoolMax?: number };
}

/** Parses I/O threads from the domain element; undefined when none are configured. */
export function parseIothreads(dom: XmlReader): IothreadsDef | undefined {
  const count = dom.childUint("iothreads") ?? 0;
  const ids: IothreadDef[] = [];
  for (const t of dom.child("iothreadids")?.children("iothread") ?? []) {
    const id = t.reqUint("id");
    if (id === 0) throw t.error("invalid iothread id '0', ids start at 1");
    if (ids.some((x) => x.id === id)) throw t.error(`duplicate iothread id '${id}'`);
    const poll = t.child("poll");
    const min = t.int("thread_pool_min");
    const max = t.int("thread_pool_max");
    if (min !== undefined && max !== undefined && max < min) {
      throw t.error("thread_pool_max must be greater than or equal to thread_pool_min");
    }
    ids.push({
      id, threadPoolMin: min, threadPoolMax: max,
      poll: poll ? { max: poll.uint("max"), grow: poll.uint("grow"), shrink: poll.uint("shrink") } : undefined,
    });
  }
  for (let next = 1; ids.length < count; next++) {
    if (!ids.some((x) => x.id === next)) ids.push({ id: next, autofill: true });
  }
  const dt = dom.child("defaultiothread");
  const defaultThread = dt ? { threadPoolMin: dt.int("thread_pool_min"), threadPoolMax: dt.int("thread_pool_max") } : undefined;
  if (ids.length === 0 && !defaultThread) return undefined;
  return { ids, defaultThread };
}

/** Writes `<iothreads>` and, when any was listed explicitly, `<iothreadids>`. */
export function formatIothreads(w: XmlWriter, t: IothreadsDef | undefined): void {
  if (!t) return;
  if (t.ids.length) w.text("iothreads", t.ids.length);
  if (t.ids.some((x) => !x.autofill)) {
    w.elem("iothreadids", null, (w) => {
      for (const x of t.ids) {
        w.elem("iothread", [["id", x.id], ["thread_pool_min", x.threadPoolMin], ["thread_pool_max", x.threadPoolMax]],
          x.poll ? (w) => w.elem("poll", [["max", x.poll!.max], ["grow", x.poll!.grow], ["shrink", x.poll!.shrink]]) : undefined);
      }
    });
  }
  if (t.defaultThread) {
    w.group("defaultiothread", [["thread_pool_min", t.defaultThread.threadPoolMin], ["thread_pool_max", t.defaultThread.threadPoolMax]], () => {});
  }
}
