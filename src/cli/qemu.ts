/**
 * Commands for running QEMU guests: `console`, `reset`, `domdisplay`,
 * `vncdisplay`, `domstats`, `domblkstat`, `domifstat`,
 * `qemu-monitor-command`, `screenshot`, and the `qemu-argv` format of
 * `domxml-to-native`.
 * @module
 */
import {
  type Domain,
  VIR_DOMAIN_STATS_BALLOON,
  VIR_DOMAIN_STATS_BLOCK,
  VIR_DOMAIN_STATS_CPU_TOTAL,
  VIR_DOMAIN_STATS_INTERFACE,
  VIR_DOMAIN_STATS_STATE,
  VIR_DOMAIN_STATS_VCPU,
} from "../connect.ts";
import { lookupDomain } from "./lookup.ts";
import { attempt, CliError } from "./output.ts";
import type { CommandContext } from "./spec.ts";

/** The byte that leaves a console session: Ctrl-] (0x1d), as in virsh. */
const ESCAPE = 0x1d;

async function writeAllStdout(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  for (let off = 0; off < bytes.length;) off += await Deno.stdout.write(bytes.subarray(off));
}

async function runningDomain(ctx: CommandContext): Promise<Domain> {
  const dom = await lookupDomain(ctx);
  if (!(await dom.isActive())) throw new CliError("Domain is not running");
  return dom;
}

/**
 * `console DOMAIN [--devname ALIAS] [--force] [--safe]`: connects the
 * terminal to the guest's serial console until Ctrl-] (or the guest's side
 * closes). The terminal is put in raw mode while attached.
 */
export async function consoleCmd(ctx: CommandContext): Promise<void> {
  const dom = await runningDomain(ctx);
  const flags = (ctx.bool("force") ? 1 : 0) | (ctx.bool("safe") ? 2 : 0);
  const stream = await attempt(
    "Failed to get console",
    () => dom.openConsole(ctx.str("devname"), flags),
  );
  // Written at once (not queued like other output): the guest's output follows it.
  await writeAllStdout(`Connected to domain '${dom.name()}'\nEscape character is ^] (Ctrl + ])\n`);
  const tty = Deno.stdin.isTerminal();
  if (tty) Deno.stdin.setRaw(true);
  const writer = stream.writable.getWriter();
  let done = false;
  const fromGuest = (async () => {
    const reader = stream.readable.getReader();
    try {
      while (!done) {
        const { value, done: end } = await reader.read();
        if (end) break;
        for (let off = 0; off < value.length;) off += await Deno.stdout.write(value.subarray(off));
      }
    } finally {
      reader.releaseLock();
    }
  })();
  const toGuest = (async () => {
    const buf = new Uint8Array(1024);
    while (!done) {
      const n = await Deno.stdin.read(buf);
      if (n === null) {
        // End of input: keep showing the guest's output until it closes.
        await fromGuest.catch(() => {});
        return;
      }
      const chunk = buf.subarray(0, n);
      const esc = chunk.indexOf(ESCAPE);
      if (esc >= 0) {
        if (esc > 0) await writer.write(chunk.slice(0, esc));
        return;
      }
      await writer.write(chunk.slice());
    }
  })();
  try {
    await Promise.race([fromGuest, toGuest]);
  } finally {
    done = true;
    if (tty) Deno.stdin.setRaw(false);
    stream.close();
  }
  ctx.printExtra("\n");
}

/** `reset DOMAIN`: presses the guest's reset button. */
export async function reset(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  await attempt(`Failed to reset domain '${dom.name()}'`, () => dom.reset());
  if (ctx.json) ctx.printJson({ domain: dom.name(), result: "reset" });
  else ctx.printExtra(`Domain '${dom.name()}' was reset\n`);
}

/** The VNC servers of a running domain: listen address and port, from its live XML. */
async function vncServers(
  dom: Domain,
): Promise<{ address: string; port: number; socket?: string }[]> {
  const { parseDomainXml } = await import("../conf/domain/parse.ts");
  const def = parseDomainXml(await dom.XMLDesc());
  const out: { address: string; port: number; socket?: string }[] = [];
  for (const g of def.devices.graphics) {
    if (g.type !== "vnc") continue;
    const l = g.listens[0];
    if (l?.type === "none") continue;
    if (l?.type === "socket") out.push({ address: "", port: -1, socket: l.socket });
    else if (g.port > 0) out.push({ address: l?.address ?? "127.0.0.1", port: g.port });
  }
  return out;
}

function hostPart(address: string): string {
  if (address === "0.0.0.0" || address === "::") return "";
  return address.includes(":") ? `[${address}]` : address;
}

/** `vncdisplay DOMAIN`: the VNC display as `ADDRESS:DISPLAY`. */
export async function vncdisplay(ctx: CommandContext): Promise<void> {
  const dom = await runningDomain(ctx);
  const vnc = (await vncServers(dom)).find((v) => v.port > 0);
  if (!vnc) throw new CliError("Failed to get VNC port. Is this domain using VNC?");
  const text = `${hostPart(vnc.address)}:${vnc.port - 5900}`;
  if (ctx.json) ctx.printJson({ display: text });
  else ctx.print(text + "\n");
}

/** `domdisplay DOMAIN [--type vnc] [--all]`: URIs of the graphical displays. */
export async function domdisplay(ctx: CommandContext): Promise<void> {
  const dom = await runningDomain(ctx);
  const type = ctx.str("type");
  const uris = type !== undefined && type !== "vnc"
    ? []
    : (await vncServers(dom)).map((v) =>
      v.socket
        ? `vnc+unix://${v.socket}`
        : `vnc://${hostPart(v.address) || "localhost"}:${v.port - 5900}`
    );
  if (!uris.length) throw new CliError("No graphical display found");
  const shown = ctx.bool("all") ? uris : uris.slice(0, 1);
  if (ctx.json) ctx.printJson(shown);
  else ctx.print(shown.map((u) => u + "\n").join(""));
}

const STAT_GROUPS: [string, number][] = [
  ["state", VIR_DOMAIN_STATS_STATE],
  ["cpu-total", VIR_DOMAIN_STATS_CPU_TOTAL],
  ["balloon", VIR_DOMAIN_STATS_BALLOON],
  ["vcpu", VIR_DOMAIN_STATS_VCPU],
  ["interface", VIR_DOMAIN_STATS_INTERFACE],
  ["block", VIR_DOMAIN_STATS_BLOCK],
];

/**
 * `domstats [--state] [--cpu-total] [--balloon] [--vcpu] [--interface]
 * [--block] [DOMAIN]`: statistics of one domain, or of every running one.
 */
export async function domstats(ctx: CommandContext): Promise<void> {
  const groups = STAT_GROUPS.reduce((acc, [opt, bit]) => (ctx.bool(opt) ? acc | bit : acc), 0);
  let doms: Domain[];
  if (ctx.str("domain") !== undefined) doms = [await lookupDomain(ctx)];
  else doms = await (await ctx.conn()).listAllDomains(1 /* active */);
  const all: Record<string, Record<string, number | string>> = {};
  let text = "";
  for (const dom of doms) {
    const stats = await attempt(
      `Failed to get statistics of domain '${dom.name()}'`,
      () => dom.stats(groups),
    );
    all[dom.name()] = Object.fromEntries(stats);
    text += `Domain: '${dom.name()}'\n` + stats.map(([k, v]) => `  ${k}=${v}\n`).join("") + "\n";
  }
  if (ctx.json) ctx.printJson(all);
  else ctx.print(text);
}

/** virsh's names and order for block statistics. */
const BLOCK_FIELDS: [string, string][] = [
  ["rd_operations", "rd_req"],
  ["rd_bytes", "rd_bytes"],
  ["wr_operations", "wr_req"],
  ["wr_bytes", "wr_bytes"],
  ["errs", "errs"],
  ["flush_operations", "flush_operations"],
  ["rd_total_times", "rd_total_times"],
  ["wr_total_times", "wr_total_times"],
  ["flush_total_times", "flush_total_times"],
];

/** `domblkstat DOMAIN DEVICE [--human]`: a disk's I/O counters. */
export async function domblkstat(ctx: CommandContext): Promise<void> {
  const dom = await runningDomain(ctx);
  const device = ctx.req("device");
  const stats = await attempt(
    `Failed to get block stats ${dom.name()} ${device}`,
    () => dom.blockStatsFlags(device),
  );
  if (ctx.json) {
    ctx.printJson(stats);
    return;
  }
  const human = ctx.bool("human");
  let text = "";
  for (const [key, name] of BLOCK_FIELDS) {
    if (stats[key] === undefined) continue;
    text += human
      ? `${device} ${name.padEnd(31)} ${stats[key]}\n`
      : `${device} ${name} ${stats[key]}\n`;
  }
  ctx.print(text);
}

/** `domifstat DOMAIN INTERFACE`: an interface's traffic counters. */
export async function domifstat(ctx: CommandContext): Promise<void> {
  const dom = await runningDomain(ctx);
  const iface = ctx.req("interface");
  const stats = await attempt(
    `Failed to get interface stats ${dom.name()} ${iface}`,
    () => dom.interfaceStats(iface),
  );
  if (ctx.json) ctx.printJson(stats);
  else {ctx.print(
      Object.entries(stats).filter(([, v]) => v >= 0).map(([k, v]) => `${iface} ${k} ${v}\n`).join(
        "",
      ),
    );}
}

/**
 * `qemu-monitor-command DOMAIN [--hmp] [--pretty] [--return-value] COMMAND`:
 * passes a QMP command (JSON) or, with `--hmp`, a human monitor command.
 */
export async function qemuMonitorCommand(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  const hmp = ctx.bool("hmp");
  if (hmp && (ctx.bool("pretty") || ctx.bool("return-value"))) {
    throw new CliError("Options --hmp and --pretty/--return-value are mutually exclusive");
  }
  const command = ctx.req("cmd");
  const reply = await attempt(
    "Failed to run QEMU monitor command",
    () => dom.qemuMonitorCommand(command, hmp),
  );
  if (hmp) {
    ctx.print(reply.endsWith("\n") ? reply : reply + "\n");
    return;
  }
  let value: unknown = JSON.parse(reply);
  if (ctx.bool("return-value")) {
    const v = value as { return?: unknown; error?: { desc?: string } };
    if (v.error) {
      throw new CliError(`Failed to run QEMU monitor command`, new Error(v.error.desc ?? "error"));
    }
    value = v.return;
  }
  ctx.print((ctx.bool("pretty") ? JSON.stringify(value, null, 2) : JSON.stringify(value)) + "\n");
}

/** virsh's default screenshot name: `DOMAIN-YYYY-MM-DD-HH:MM:SS.ppm`. */
function defaultScreenshotName(name: string, mime: string): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
  return `${name}-${stamp}${mime === "image/png" ? ".png" : ".ppm"}`;
}

/** `screenshot DOMAIN [FILE] [--screen N]`: saves the guest's screen. */
export async function screenshot(ctx: CommandContext): Promise<void> {
  const dom = await runningDomain(ctx);
  const shot = await attempt(
    `could not take a screenshot of ${dom.name()}`,
    () => dom.screenshot(ctx.int("screen") ?? 0),
  );
  const file = ctx.str("file") ?? defaultScreenshotName(dom.name(), shot.mime);
  await Deno.writeFile(file, shot.data);
  if (ctx.json) ctx.printJson({ file, mime: shot.mime });
  else ctx.printExtra(`Screenshot saved to ${file}, with type of ${shot.mime}\n`);
}

/** The `qemu-argv` converter of `domxml-to-native`: asks the connection's driver. */
export async function domxmlToQemuArgv(ctx: CommandContext, xml: string): Promise<string> {
  const conn = await ctx.conn();
  return await conn.domainXMLToNative("qemu-argv", xml);
}
