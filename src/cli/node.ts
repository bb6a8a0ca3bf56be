/**
 * Host commands beyond `nodeinfo` and `capabilities`: domcapabilities,
 * nodememstats, nodecpustats (virsh's output), and host-validate
 * (`virt-host-validate`'s PASS/WARN/FAIL lines).
 * @module
 */
import { VirtError } from "../errors.ts";
import { formatHostValidate, hostValidate, validateFailed } from "../host/validate.ts";
import { CliError } from "./output.ts";
import type { CommandContext } from "./spec.ts";

/** `domcapabilities`: what a domain of an emulator may contain. */
export async function domcapabilities(ctx: CommandContext): Promise<void> {
  const conn = await ctx.conn();
  let xml: string;
  try {
    xml = await conn.getDomainCapabilities(
      ctx.str("emulatorbin"),
      ctx.str("arch"),
      ctx.str("machine"),
      ctx.str("virttype"),
    );
  } catch (e) {
    throw new CliError("failed to get emulator capabilities", e);
  }
  if (ctx.json) ctx.printJson({ xml });
  else ctx.print(xml + "\n");
}

/** `nodememstats [--cell N]`: memory statistics in KiB. */
export async function nodememstats(ctx: CommandContext): Promise<void> {
  const conn = await ctx.conn();
  let stats: Record<string, number>;
  try {
    stats = await conn.getMemoryStats(ctx.int("cell") ?? -1);
  } catch (e) {
    throw new CliError("Unable to get number of memory stats", e);
  }
  if (ctx.json) {
    ctx.printJson(stats);
    return;
  }
  ctx.print(
    Object.entries(stats).map(([k, v]) => `${k.padEnd(7)}: ${String(v).padStart(20)} KiB\n`)
      .join(""),
  );
}

interface CpuTimes {
  user: number;
  sys: number;
  idle: number;
  iowait: number;
}

/** `%5.1f` as C prints it, NaN included (glibc's `-nan` for 0/0). */
function percent(v: number): string {
  return (Number.isNaN(v) ? "-nan" : v.toFixed(1)).padStart(5);
}

/**
 * `nodecpustats [--cpu N] [--percent]`: CPU times in nanoseconds, or with
 * `--percent` the share of each over one second.
 */
export async function nodecpustats(ctx: CommandContext): Promise<void> {
  const conn = await ctx.conn();
  const cpu = ctx.int("cpu") ?? -1;
  const sample = async (): Promise<CpuTimes> => {
    let s: Record<string, number>;
    try {
      s = await conn.getCPUStats(cpu);
    } catch (e) {
      const what = e instanceof VirtError && e.code === "no-support"
        ? "Unable to get number of cpu stats"
        : "Unable to get node cpu stats";
      throw new CliError(what, e);
    }
    return { user: s.user ?? 0, sys: s.kernel ?? 0, idle: s.idle ?? 0, iowait: s.iowait ?? 0 };
  };
  const first = await sample();
  if (!ctx.bool("percent")) {
    if (ctx.json) {
      ctx.printJson(first);
      return;
    }
    const rows: [string, number][] = [
      ["user:", first.user],
      ["system:", first.sys],
      ["idle:", first.idle],
      ["iowait:", first.iowait],
    ];
    ctx.print(rows.map(([k, v]) => `${k.padEnd(15)} ${String(v).padStart(20)}\n`).join(""));
    return;
  }
  await new Promise((r) => setTimeout(r, 1000));
  const second = await sample();
  const d = {
    user: second.user - first.user,
    sys: second.sys - first.sys,
    idle: second.idle - first.idle,
    iowait: second.iowait - first.iowait,
  };
  const total = d.user + d.sys + d.idle + d.iowait;
  const share = (v: number) => (v / total) * 100;
  if (ctx.json) {
    ctx.printJson({
      usage: share(d.user + d.sys),
      user: share(d.user),
      system: share(d.sys),
      idle: share(d.idle),
      iowait: share(d.iowait),
    });
    return;
  }
  const rows: [string, number][] = [
    ["usage:", share(d.user + d.sys)],
    ["user:", share(d.user)],
    ["system:", share(d.sys)],
    ["idle:", share(d.idle)],
    ["iowait:", share(d.iowait)],
  ];
  ctx.print(rows.map(([k, v]) => `${k.padEnd(15)} ${percent(v)}%\n`).join(""));
}

/**
 * `host-validate [qemu|lxc]`: checks that this host can run guests, one
 * PASS/WARN/FAIL line per check as `virt-host-validate` prints them; fails
 * when a check fails.
 */
export async function hostValidateCmd(ctx: CommandContext): Promise<void> {
  const results = await hostValidate(ctx.str("hypervisor"));
  if (ctx.json) ctx.printJson(results);
  else ctx.print(formatHostValidate(results));
  if (validateFailed(results)) {
    const n = results.filter((r) => r.result === "FAIL").length;
    throw new CliError(`host validation failed: ${n} check${n === 1 ? "" : "s"} failed`);
  }
}
