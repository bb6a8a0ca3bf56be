/**
 * Host and hypervisor commands: nodeinfo, capabilities, uri, hostname and
 * version.
 * @module
 */
import { VERSION } from "../connect.ts";
import type { CommandContext } from "./spec.ts";

/** `nodeinfo`: the host's processors and memory. */
export async function nodeinfo(ctx: CommandContext): Promise<void> {
  const info = await (await ctx.conn()).getInfo();
  if (ctx.json) {
    ctx.printJson(info);
    return;
  }
  const rows: [string, string][] = [
    ["CPU model:", info.model],
    ["CPU(s):", String(info.cpus)],
    ["CPU frequency:", `${info.mhz} MHz`],
    ["CPU socket(s):", String(info.sockets)],
    ["Core(s) per socket:", String(info.cores)],
    ["Thread(s) per core:", String(info.threads)],
    ["NUMA cell(s):", String(info.nodes)],
    ["Memory size:", `${info.memory} KiB`],
  ];
  ctx.print(rows.map(([k, v]) => `${k.padEnd(20)} ${v}\n`).join(""));
}

/** `capabilities`: the capabilities XML. */
export async function capabilities(ctx: CommandContext): Promise<void> {
  const xml = await (await ctx.conn()).getCapabilities();
  if (ctx.json) ctx.printJson({ xml });
  else ctx.print(xml + "\n");
}

/** `uri`: the canonical connection URI. */
export async function uri(ctx: CommandContext): Promise<void> {
  const u = await (await ctx.conn()).getURI();
  if (ctx.json) ctx.printJson({ uri: u });
  else ctx.print(`${u}\n`);
}

/** `hostname`: the host the connection runs on. */
export async function hostname(ctx: CommandContext): Promise<void> {
  const h = await (await ctx.conn()).getHostname();
  if (ctx.json) ctx.printJson({ hostname: h });
  else ctx.print(`${h}\n`);
}

/** A version number (major * 1e6 + minor * 1e3 + micro) as text. */
function versionText(v: number): string {
  return `${Math.floor(v / 1_000_000)}.${Math.floor(v / 1000) % 1000}.${v % 1000}`;
}

/** `version`: virtkit's version and the hypervisor's. */
export async function version(ctx: CommandContext): Promise<void> {
  const conn = await ctx.conn();
  const type = await conn.getType();
  const hv = versionText(await conn.getVersion());
  if (ctx.json) {
    ctx.printJson({
      library: VERSION,
      api: { type, version: VERSION },
      hypervisor: { type, version: hv },
    });
    return;
  }
  ctx.print(
    `Compiled against library: virtkit ${VERSION}\n` +
      `Using library: virtkit ${VERSION}\n` +
      `Using API: ${type} ${VERSION}\n` +
      `Running hypervisor: ${type} ${hv}\n`,
  );
}
