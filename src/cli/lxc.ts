/**
 * Commands for containers and resource tuning: `lxc-enter-namespace`,
 * `memtune`, `schedinfo` and `blkiotune`, with virsh's output.
 * @module
 */
import type { Domain } from "../connect.ts";
import { lookupDomain } from "./lookup.ts";
import { attempt, CliError } from "./output.ts";
import type { CommandContext } from "./spec.ts";

/** libvirt's "unlimited" memory parameter value, in KiB. */
const UNLIMITED = 9007199254740991;

/** One `name : value` line, as virsh lays out typed parameters. */
function line(name: string, value: string | number): string {
  return `${name.padEnd(15)}: ${value}\n`;
}

/** Parses a size in KiB with an optional unit suffix (virsh's scaled integers). */
function kib(text: string, opt: string): number {
  const m = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (!m) throw new CliError(`Unable to parse integer parameter ${opt}`);
  const scale = { "": 1, k: 1, m: 1024, g: 1024 ** 2, t: 1024 ** 3 }[m[2].toLowerCase()]!;
  return Number(m[1]) * scale;
}

/**
 * `lxc-enter-namespace DOMAIN [--noseclabel] -- /path/to/cmd [args...]`:
 * runs a command inside a running container with this terminal.
 */
export async function lxcEnterNamespace(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  const argv = ctx.all("cmd");
  if (!argv.length) throw new CliError("command 'lxc-enter-namespace' requires <cmd> option");
  const status = await attempt(
    `Failed to enter the namespaces of domain '${dom.name()}'`,
    () => dom.lxcEnterNamespace(argv),
  );
  if (status !== 0) {
    const how = (status & 0x7f) === 0
      ? `exit status ${(status >> 8) & 0xff}`
      : `fatal signal ${status & 0x7f}`;
    throw new CliError(`Child process unexpected ${how}`);
  }
}

function printParams(
  ctx: CommandContext,
  params: Record<string, number>,
  show: (v: number) => string,
): void {
  if (ctx.json) ctx.printJson(params);
  else ctx.print(Object.entries(params).map(([k, v]) => line(k, show(v))).join(""));
}

/** Refuses the persistent-definition flags: tuning applies to the running domain here. */
function liveOnly(ctx: CommandContext): void {
  if (ctx.bool("config")) {
    throw new CliError("changing the persistent definition is not supported: use edit");
  }
}

/** `memtune DOMAIN [--hard-limit N] [--soft-limit N] [--swap-hard-limit N]`. */
export async function memtune(ctx: CommandContext): Promise<void> {
  liveOnly(ctx);
  const dom = await lookupDomain(ctx);
  const set: Record<string, number> = {};
  for (
    const [opt, name] of [["hard-limit", "hard_limit"], ["soft-limit", "soft_limit"], [
      "swap-hard-limit",
      "swap_hard_limit",
    ]]
  ) {
    const v = ctx.str(opt);
    if (v !== undefined) set[name] = Number(v) < 0 ? UNLIMITED : kib(v, `--${opt}`);
  }
  if (Object.keys(set).length) {
    await attempt("Unable to change memory parameters", () => dom.setMemoryParameters(set));
    return;
  }
  const params = await attempt("Unable to get memory parameters", () => dom.memoryParameters());
  printParams(ctx, params, (v) => v >= UNLIMITED ? "unlimited" : String(v));
}

/** `schedinfo DOMAIN [--set NAME=VALUE]...`: shows (after changing) the scheduler parameters. */
export async function schedinfo(ctx: CommandContext): Promise<void> {
  liveOnly(ctx);
  const dom: Domain = await lookupDomain(ctx);
  const set: Record<string, number> = {};
  for (const s of ctx.all("set")) {
    const m = /^([a-z_]+)=(-?\d+)$/.exec(s);
    if (!m) throw new CliError(`Invalid syntax for --set, expecting name=value`);
    set[m[1]] = Number(m[2]);
  }
  if (Object.keys(set).length) {
    await attempt(
      "Unable to change scheduler parameters",
      () => dom.setSchedulerParametersFlags(set),
    );
  }
  const [scheduler] = await attempt(
    "Unable to get scheduler parameters",
    () => dom.schedulerType(),
  );
  const params = await dom.schedulerParametersFlags();
  if (ctx.json) ctx.printJson({ scheduler, ...params });
  else {ctx.print(
      line("Scheduler", scheduler) + Object.entries(params).map(([k, v]) => line(k, v)).join(""),
    );}
}

/** `blkiotune DOMAIN [--weight N]`. */
export async function blkiotune(ctx: CommandContext): Promise<void> {
  liveOnly(ctx);
  const dom = await lookupDomain(ctx);
  const weight = ctx.int("weight");
  if (weight !== undefined) {
    await attempt("Unable to change blkio parameters", () => dom.setBlkioParameters({ weight }));
    return;
  }
  const params = await attempt("Unable to get blkio parameters", () => dom.blkioParameters());
  printParams(ctx, params, String);
}
