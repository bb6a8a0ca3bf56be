/**
 * Network commands: net-list, net-info, net-dumpxml, net-uuid and net-name.
 * @module
 */
import {
  type Connection,
  type Network,
  VIR_CONNECT_LIST_NETWORKS_ACTIVE as ACTIVE,
  VIR_CONNECT_LIST_NETWORKS_AUTOSTART,
  VIR_CONNECT_LIST_NETWORKS_INACTIVE as INACTIVE,
  VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART,
  VIR_CONNECT_LIST_NETWORKS_PERSISTENT,
  VIR_CONNECT_LIST_NETWORKS_TRANSIENT,
  VIR_NETWORK_XML_INACTIVE,
} from "../connect.ts";
import { lookupNetwork } from "./lookup.ts";
import { CliError, compareNames, formatTable } from "./output.ts";
import type { CommandContext } from "./spec.ts";

const FILTERS: [string, number][] = [
  ["persistent", VIR_CONNECT_LIST_NETWORKS_PERSISTENT],
  ["transient", VIR_CONNECT_LIST_NETWORKS_TRANSIENT],
  ["autostart", VIR_CONNECT_LIST_NETWORKS_AUTOSTART],
  ["no-autostart", VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART],
];

const yesNo = (b: boolean) => (b ? "yes" : "no");

/** `net-list`: a table of networks, or their names or UUIDs. */
export async function netList(ctx: CommandContext): Promise<void> {
  let flags = ctx.bool("inactive") ? INACTIVE : ACTIVE;
  if (ctx.bool("all")) flags = ACTIVE | INACTIVE;
  for (const [opt, bit] of FILTERS) if (ctx.bool(opt)) flags |= bit;
  if (["table", "name", "uuid"].filter((o) => ctx.bool(o)).length > 1) {
    throw new CliError("Only one argument from --table, --name and --uuid may be specified.");
  }
  const conn = await ctx.conn();
  const nets = (await conn.listAllNetworkSummaries(flags)).sort((a, b) =>
    compareNames(a.name, b.name)
  );
  if (ctx.json) {
    ctx.printJson(
      nets.map((n) => ({
        name: n.name,
        uuid: n.uuid,
        active: n.active,
        autostart: n.autostart,
        persistent: n.persistent,
      })),
    );
  } else if (ctx.bool("uuid")) {
    ctx.print(nets.map((n) => `${n.uuid}\n`).join(""));
  } else if (ctx.bool("name")) {
    ctx.print(nets.map((n) => `${n.name}\n`).join(""));
  } else {
    const rows = nets.map((
      n,
    ) => [n.name, n.active ? "active" : "inactive", yesNo(n.autostart), yesNo(n.persistent)]);
    ctx.print(formatTable(["Name", "State", "Autostart", "Persistent"], rows));
  }
}

async function bridgeOf(net: Network): Promise<string | undefined> {
  try {
    return await net.bridgeName();
  } catch {
    return undefined;
  }
}

/** `net-info NETWORK`. */
export async function netInfo(ctx: CommandContext): Promise<void> {
  const net = await lookupNetwork(ctx);
  const s = await net.summary();
  const bridge = await bridgeOf(net);
  if (ctx.json) {
    ctx.printJson({
      name: s.name,
      uuid: s.uuid,
      active: s.active,
      persistent: s.persistent,
      autostart: s.autostart,
      bridge: bridge ?? null,
    });
    return;
  }
  const rows: [string, string][] = [
    ["Name:", s.name],
    ["UUID:", s.uuid],
    ["Active:", yesNo(s.active)],
    ["Persistent:", yesNo(s.persistent)],
    ["Autostart:", yesNo(s.autostart)],
  ];
  if (bridge !== undefined) rows.push(["Bridge:", bridge]);
  ctx.print(rows.map(([k, v]) => `${k.padEnd(15)} ${v}\n`).join(""));
}

/** `net-dumpxml NETWORK`. */
export async function netDumpxml(ctx: CommandContext): Promise<void> {
  const net = await lookupNetwork(ctx);
  const xml = await net.XMLDesc(ctx.bool("inactive") ? VIR_NETWORK_XML_INACTIVE : 0);
  if (ctx.json) ctx.printJson({ xml });
  else ctx.print(xml);
}

async function lookupBy(
  ctx: CommandContext,
  by: (c: Connection, n: string) => Promise<Network>,
): Promise<Network> {
  const n = ctx.req("network");
  const conn = await ctx.conn();
  try {
    return await by(conn, n);
  } catch {
    throw new CliError(`failed to get network '${n}'`);
  }
}

/** `net-uuid NAME`. */
export async function netUuid(ctx: CommandContext): Promise<void> {
  const net = await lookupBy(ctx, (c, n) => c.networkLookupByName(n));
  if (ctx.json) ctx.printJson({ uuid: net.UUIDString() });
  else ctx.print(`${net.UUIDString()}\n`);
}

/** `net-name UUID`. */
export async function netName(ctx: CommandContext): Promise<void> {
  const net = await lookupBy(ctx, (c, n) => c.networkLookupByUUIDString(n));
  if (ctx.json) ctx.printJson({ name: net.name() });
  else ctx.print(`${net.name()}\n`);
}
