/**
 * What a running guest reports over QMP and `/proc`: memory (balloon)
 * statistics, disk and interface counters, the `domstats` groups, the
 * screenshot, and the monitor passthrough (`qemu-monitor-command`).
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import {
  VIR_DOMAIN_STATS_BALLOON,
  VIR_DOMAIN_STATS_BLOCK,
  VIR_DOMAIN_STATS_CPU_TOTAL,
  VIR_DOMAIN_STATS_INTERFACE,
  VIR_DOMAIN_STATS_STATE,
  VIR_DOMAIN_STATS_VCPU,
} from "../../src/connect.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import type { DiskDef } from "../../src/conf/domain/devices/disk.ts";
import { type DomainRecord, type LiveDomain, type QemuHost, recordState } from "./host.ts";
import { QmpError } from "./qmp.ts";
import { processCpuTime } from "./process.ts";

/** Guest memory statistics: QEMU's `guest-stats` names and libvirt's tags, in libvirt's order. */
const GUEST_STATS: [string, string][] = [
  ["stat-swap-in", "swap_in"],
  ["stat-swap-out", "swap_out"],
  ["stat-major-faults", "major_fault"],
  ["stat-minor-faults", "minor_fault"],
  ["stat-free-memory", "unused"],
  ["stat-total-memory", "available"],
  ["stat-available-memory", "usable"],
  ["last-update", "last_update"],
  ["stat-disk-caches", "disk_caches"],
  ["stat-htlb-pgalloc", "hugetlb_pgalloc"],
  ["stat-htlb-pgfail", "hugetlb_pgfail"],
];

/** Statistics that count pages or events rather than bytes. */
const COUNTS = new Set([
  "major_fault",
  "minor_fault",
  "last_update",
  "hugetlb_pgalloc",
  "hugetlb_pgfail",
]);

/** The resident memory of a process in KiB. */
function rssKiB(pid: number): number | undefined {
  try {
    const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function balloonAlias(def: DomainDef): string | undefined {
  const b = def.devices.memballoon;
  return b && b.model !== "none" ? b.info.alias : undefined;
}

/**
 * `dommemstat`: the balloon size, the guest's own statistics when the
 * balloon driver reports them (a `<stats period>` is set), and the QEMU
 * process's resident size, in KiB.
 */
export async function memoryStats(host: QemuHost, live: LiveDomain): Promise<[string, number][]> {
  const out: [string, number][] = [];
  const alias = balloonAlias(live.def);
  if (alias) {
    await host.withMonitor(live, async (qmp) => {
      const b = await qmp.execute<{ actual: number }>("query-balloon");
      out.push(["actual", Math.floor(b.actual / 1024)]);
      const g = await qmp.execute<{ stats: Record<string, number>; "last-update": number }>(
        "qom-get",
        {
          path: `/machine/peripheral/${alias}`,
          property: "guest-stats",
        },
      ).catch(() => undefined);
      if (!g) return;
      const all: Record<string, number> = { ...g.stats, "last-update": g["last-update"] };
      for (const [key, tag] of GUEST_STATS) {
        const v = all[key];
        if (typeof v !== "number" || v < 0 || v >= 2 ** 63) continue;
        if (key === "last-update" && v === 0) continue;
        out.push([tag, COUNTS.has(tag) ? v : Math.floor(v / 1024)]);
      }
    });
  }
  const rss = rssKiB(live.runtime.pid);
  if (rss !== undefined) out.push(["rss", rss]);
  return out;
}

/** Finds a disk by target name or source path. */
function findDisk(def: DomainDef, name: string): DiskDef {
  const disk = def.devices.disks.find((d) => d.target.dev === name) ??
    def.devices.disks.find((d) => "path" in d.source && d.source.path === name);
  if (!disk) throw new VirtError("invalid-arg", "qemu", `invalid path: ${name}`);
  return disk;
}

interface BlockStatsEntry {
  qdev?: string;
  device?: string;
  stats: Record<string, number>;
}

/** The `query-blockstats` entry of a disk (matched by its device id). */
function statsOf(list: BlockStatsEntry[], disk: DiskDef): Record<string, number> | undefined {
  const alias = disk.info.alias;
  const q = `/machine/peripheral/${alias}`;
  return list.find((e) => e.qdev === q || e.qdev?.startsWith(`${q}/`) || e.device === alias)?.stats;
}

/** libvirt's block statistics parameters of a `query-blockstats` entry. */
function blockParams(s: Record<string, number>): [string, number][] {
  return [
    ["rd_operations", s.rd_operations ?? 0],
    ["rd_bytes", s.rd_bytes ?? 0],
    ["rd_total_times", s.rd_total_time_ns ?? 0],
    ["wr_operations", s.wr_operations ?? 0],
    ["wr_bytes", s.wr_bytes ?? 0],
    ["wr_total_times", s.wr_total_time_ns ?? 0],
    ["flush_operations", s.flush_operations ?? 0],
    ["flush_total_times", s.flush_total_time_ns ?? 0],
  ];
}

/** `domblkstat`: one disk's counters. */
export async function blockStats(
  host: QemuHost,
  live: LiveDomain,
  name: string,
): Promise<[string, number][]> {
  const disk = findDisk(live.def, name);
  const list = await host.withMonitor(
    live,
    (qmp) => qmp.execute<BlockStatsEntry[]>("query-blockstats"),
  );
  const s = statsOf(list, disk);
  if (!s) {
    throw new VirtError(
      "operation-invalid",
      "qemu",
      `cannot find statistics for disk '${disk.target.dev}'`,
    );
  }
  return blockParams(s);
}

/** Host-side traffic counters of a device, from `/sys/class/net/NAME/statistics`. */
function netdevCounters(ifname: string): Record<string, number> | undefined {
  const read = (f: string) => {
    try {
      return Number(Deno.readTextFileSync(`/sys/class/net/${ifname}/statistics/${f}`).trim());
    } catch {
      return undefined;
    }
  };
  const rx = read("rx_bytes");
  if (rx === undefined) return undefined;
  const names = [
    "rx_bytes",
    "rx_packets",
    "rx_errors",
    "rx_dropped",
    "tx_bytes",
    "tx_packets",
    "tx_errors",
    "tx_dropped",
  ];
  return Object.fromEntries(names.map((n) => [n, read(n) ?? 0]));
}

/**
 * `domifstat`: the guest's traffic through one interface (by target device
 * or MAC), read from the host side of its TAP device with the directions
 * swapped (what the host sends, the guest receives).
 */
export function interfaceStats(live: LiveDomain, name: string): [string, number][] {
  const n = live.def.devices.interfaces.find((i) => i.targetDev === name) ??
    live.def.devices.interfaces.find((i) => i.mac.toLowerCase() === name.toLowerCase());
  if (!n) {
    throw new VirtError("invalid-arg", "qemu", `invalid path, '${name}' is not a known interface`);
  }
  const c = n.targetDev ? netdevCounters(n.targetDev) : undefined;
  if (!c) {
    throw new VirtError(
      "operation-unsupported",
      "qemu",
      `interface '${name}' (type '${n.source.type}') has no host-side device to count its traffic`,
    );
  }
  return [
    ["rx_bytes", c.tx_bytes],
    ["rx_packets", c.tx_packets],
    ["rx_errs", c.tx_errors],
    ["rx_drop", c.tx_dropped],
    ["tx_bytes", c.rx_bytes],
    ["tx_packets", c.rx_packets],
    ["tx_errs", c.rx_errors],
    ["tx_drop", c.rx_dropped],
  ];
}

function fileSize(path: string): number | undefined {
  try {
    return Deno.statSync(path).size;
  } catch {
    return undefined;
  }
}

/** CPU time of one thread in nanoseconds. */
function threadTime(pid: number, tid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/task/${tid}/stat`);
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10_000_000;
  } catch {
    return 0;
  }
}

/**
 * `domstats`: the requested groups (`VIR_DOMAIN_STATS_*`, 0 for all) with
 * libvirt's keys. An inactive domain has only its state.
 */
export async function domainStats(
  host: QemuHost,
  rec: DomainRecord,
  groups: number,
): Promise<[string, number | string][]> {
  const want = (g: number) => groups === 0 || (groups & g) !== 0;
  const out: [string, number | string][] = [];
  if (want(VIR_DOMAIN_STATS_STATE)) {
    const [state, reason] = recordState(host, rec);
    out.push(["state.state", state], ["state.reason", reason]);
  }
  const live = rec.live;
  if (!live) return out;
  const { def, runtime } = live;
  await host.withMonitor(live, async (qmp) => {
    if (want(VIR_DOMAIN_STATS_CPU_TOTAL)) {
      const t = processCpuTime(runtime.pid);
      if (t) {
        out.push(["cpu.time", t.user + t.system], ["cpu.user", t.user], ["cpu.system", t.system]);
      }
    }
    if (want(VIR_DOMAIN_STATS_BALLOON)) {
      const alias = balloonAlias(def);
      const actual = alias
        ? Math.floor((await qmp.execute<{ actual: number }>("query-balloon")).actual / 1024)
        : def.memory.current;
      out.push(["balloon.current", actual], ["balloon.maximum", def.memory.total]);
    }
    if (want(VIR_DOMAIN_STATS_VCPU)) {
      const cpus = await qmp.execute<{ "cpu-index": number; "thread-id": number }[]>(
        "query-cpus-fast",
      );
      out.push(["vcpu.current", cpus.length], ["vcpu.maximum", def.vcpu.max]);
      for (const c of cpus) {
        out.push([`vcpu.${c["cpu-index"]}.state`, 1], [
          `vcpu.${c["cpu-index"]}.time`,
          threadTime(runtime.pid, c["thread-id"]),
        ]);
      }
    }
    if (want(VIR_DOMAIN_STATS_INTERFACE)) {
      const nics = def.devices.interfaces;
      out.push(["net.count", nics.length]);
      nics.forEach((n, i) => {
        out.push([`net.${i}.name`, n.targetDev ?? n.info.alias ?? `net${i}`]);
        const c = n.targetDev ? netdevCounters(n.targetDev) : undefined;
        if (!c) return;
        out.push(
          [`net.${i}.rx.bytes`, c.tx_bytes],
          [`net.${i}.rx.pkts`, c.tx_packets],
          [`net.${i}.rx.errs`, c.tx_errors],
          [`net.${i}.rx.drop`, c.tx_dropped],
          [`net.${i}.tx.bytes`, c.rx_bytes],
          [`net.${i}.tx.pkts`, c.rx_packets],
          [`net.${i}.tx.errs`, c.rx_errors],
          [`net.${i}.tx.drop`, c.rx_dropped],
        );
      });
    }
    if (want(VIR_DOMAIN_STATS_BLOCK)) {
      const disks = def.devices.disks;
      const list = await qmp.execute<BlockStatsEntry[]>("query-blockstats");
      const info = await qmp.execute<
        {
          qdev?: string;
          inserted?: { image?: { "virtual-size"?: number; "actual-size"?: number } };
        }[]
      >(
        "query-block",
      );
      out.push(["block.count", disks.length]);
      disks.forEach((d, i) => {
        out.push([`block.${i}.name`, d.target.dev]);
        if ("path" in d.source && d.source.path) out.push([`block.${i}.path`, d.source.path]);
        const s = statsOf(list, d);
        if (s) {
          out.push(
            [`block.${i}.rd.reqs`, s.rd_operations ?? 0],
            [`block.${i}.rd.bytes`, s.rd_bytes ?? 0],
            [`block.${i}.rd.times`, s.rd_total_time_ns ?? 0],
            [`block.${i}.wr.reqs`, s.wr_operations ?? 0],
            [`block.${i}.wr.bytes`, s.wr_bytes ?? 0],
            [`block.${i}.wr.times`, s.wr_total_time_ns ?? 0],
            [`block.${i}.fl.reqs`, s.flush_operations ?? 0],
            [`block.${i}.fl.times`, s.flush_total_time_ns ?? 0],
          );
        }
        const q = `/machine/peripheral/${d.info.alias}`;
        const img = info.find((b) => b.qdev === q || b.qdev?.startsWith(`${q}/`))?.inserted?.image;
        if (img?.["actual-size"] !== undefined) {
          out.push([`block.${i}.allocation`, img["actual-size"]]);
        }
        if (img?.["virtual-size"] !== undefined) {
          out.push([`block.${i}.capacity`, img["virtual-size"]]);
          // libvirt's "physical" is the size of the host file or device.
          const path = "path" in d.source ? d.source.path : undefined;
          const size = path ? fileSize(path) : undefined;
          if (size !== undefined) out.push([`block.${i}.physical`, size]);
        }
      });
    }
  });
  return out;
}

/**
 * `screenshot`: QEMU writes the screen as PPM into the domain's folder; the
 * bytes are read back and the file removed.
 */
export async function screenshot(
  host: QemuHost,
  live: LiveDomain,
  screen: number,
): Promise<{ mime: string; data: Uint8Array }> {
  const file = `${live.runtime.dir}/screenshot-${crypto.randomUUID()}.ppm`;
  const args: Record<string, unknown> = { filename: file };
  if (screen > 0) {
    const video = live.def.devices.videos[screen];
    if (!video) {
      throw new VirtError(
        "invalid-arg",
        "qemu",
        `no screen ${screen}: the domain has ${live.def.devices.videos.length}`,
      );
    }
    args.device = video.info.alias;
  }
  try {
    await host.withMonitor(live, (qmp) => qmp.execute("screendump", args));
    return { mime: "image/x-portable-pixmap", data: await Deno.readFile(file) };
  } finally {
    await Deno.remove(file).catch(() => {});
  }
}

let passthroughId = 0;

/**
 * `qemu-monitor-command`: a QMP command given as JSON (its reply returned as
 * JSON text, errors included, as libvirt does), or an HMP command line.
 */
export async function monitorCommand(
  host: QemuHost,
  rec: DomainRecord,
  live: LiveDomain,
  command: string,
  hmp: boolean,
): Promise<string> {
  let execute: string;
  let args: Record<string, unknown> | undefined;
  if (hmp) {
    execute = "human-monitor-command";
    args = { "command-line": command };
  } else {
    let msg: { execute?: unknown; arguments?: unknown };
    try {
      msg = JSON.parse(command);
    } catch (e) {
      throw new VirtError(
        "invalid-arg",
        "qemu",
        `cannot parse QMP command '${command}': ${(e as Error).message}`,
      );
    }
    if (typeof msg?.execute !== "string") {
      throw new VirtError(
        "invalid-arg",
        "qemu",
        `QMP command '${command}' has no 'execute' member`,
      );
    }
    execute = msg.execute;
    args = msg.arguments as Record<string, unknown> | undefined;
  }
  const id = `virtkit-${++passthroughId}`;
  const reply = await host.withMonitor(live, async (qmp) => {
    try {
      return { return: await qmp.execute(execute, args), id };
    } catch (e) {
      if (e instanceof QmpError) return { id, error: { class: e.qmpClass, desc: e.desc } };
      throw e;
    }
  });
  // A command may change the guest's state (stop, cont, quit ...): look again.
  await host.reconcileLocked(rec, live).catch(() => {});
  if (hmp) return typeof reply.return === "string" ? reply.return : "";
  return JSON.stringify(reply);
}
