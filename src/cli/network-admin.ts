/**
 * Network management commands: net-define, net-create, net-start,
 * net-destroy, net-undefine, net-autostart, net-edit, net-update and
 * net-dhcp-leases, with virsh's wording.
 * @module
 */
import {
  type Network,
  type NetworkDHCPLease,
  VIR_IP_ADDR_TYPE_IPV4,
  VIR_IP_ADDR_TYPE_IPV6,
  VIR_NETWORK_CREATE_VALIDATE,
  VIR_NETWORK_DEFINE_VALIDATE,
  VIR_NETWORK_UPDATE_AFFECT_CONFIG,
  VIR_NETWORK_UPDATE_AFFECT_LIVE,
  VIR_NETWORK_XML_INACTIVE,
} from "../connect.ts";
import { NETWORK_UPDATE_COMMANDS, NETWORK_UPDATE_SECTIONS } from "../net/update.ts";
import { readFile } from "./files.ts";
import { lookupNetwork } from "./lookup.ts";
import { attempt, CliError, compareNames, formatTable } from "./output.ts";
import type { CommandContext } from "./spec.ts";

/** Reports an action's success: virsh's sentence, or JSON. */
function done(ctx: CommandContext, text: string, network: string, result: string): void {
  if (ctx.json) ctx.printJson({ network, result });
  else ctx.printExtra(text);
}

/** `net-define FILE`. */
export async function netDefine(ctx: CommandContext): Promise<void> {
  const file = ctx.req("file");
  const xml = await readFile(file);
  const conn = await ctx.conn();
  const flags = ctx.bool("validate") ? VIR_NETWORK_DEFINE_VALIDATE : 0;
  const net = await attempt(
    `Failed to define network from ${file}`,
    () => conn.networkDefineXMLFlags(xml, flags),
  );
  done(ctx, `Network ${net.name()} defined from ${file}\n`, net.name(), "defined");
}

/** `net-create FILE`. */
export async function netCreate(ctx: CommandContext): Promise<void> {
  const file = ctx.req("file");
  const xml = await readFile(file);
  const conn = await ctx.conn();
  const flags = ctx.bool("validate") ? VIR_NETWORK_CREATE_VALIDATE : 0;
  const net = await attempt(
    `Failed to create network from ${file}`,
    () => conn.networkCreateXMLFlags(xml, flags),
  );
  done(ctx, `Network ${net.name()} created from ${file}\n`, net.name(), "created");
}

/** A command that looks up a network and performs one action on it. */
function action(verb: string, sentence: string, f: (net: Network) => Promise<void>) {
  return async (ctx: CommandContext): Promise<void> => {
    const net = await lookupNetwork(ctx);
    const name = ctx.req("network");
    await attempt(`Failed to ${verb} network ${name}`, () => f(net));
    done(ctx, `Network ${name} ${sentence}\n`, net.name(), sentence);
  };
}

/** `net-start NETWORK`. */
export const netStart = action("start", "started", (n) => n.create());
/** `net-destroy NETWORK`. */
export const netDestroy = action("destroy", "destroyed", (n) => n.destroy());
/** `net-undefine NETWORK`. */
export const netUndefine = action("undefine", "has been undefined", (n) => n.undefine());

/** `net-autostart NETWORK [--disable]`. */
export async function netAutostart(ctx: CommandContext): Promise<void> {
  const net = await lookupNetwork(ctx);
  const name = ctx.req("network");
  const on = !ctx.bool("disable");
  const what = on ? "mark" : "unmark";
  await attempt(`failed to ${what} network ${name} as autostarted`, () => net.setAutostart(on));
  done(
    ctx,
    `Network ${name} ${what}ed as autostarted\n`,
    net.name(),
    on ? "autostart enabled" : "autostart disabled",
  );
}

/** `net-update NETWORK COMMAND SECTION XML [--parent-index N] [--config] [--live] [--current]`. */
export async function netUpdate(ctx: CommandContext): Promise<void> {
  const commandName = ctx.req("command");
  const sectionName = ctx.req("section");
  const current = ctx.bool("current");
  const live = ctx.bool("live");
  const config = ctx.bool("config");
  for (const [other, set] of [["live", live], ["config", config]] as const) {
    if (current && set) {
      throw new CliError(`Options --current and --${other} are mutually exclusive`);
    }
  }
  const net = await lookupNetwork(ctx);
  const command = NETWORK_UPDATE_COMMANDS[commandName];
  if (command === undefined) throw new CliError(`unrecognized command name '${commandName}'`);
  const section = NETWORK_UPDATE_SECTIONS[sectionName];
  if (section === undefined) throw new CliError(`unrecognized section name '${sectionName}'`);
  const arg = ctx.req("xml");
  // Text that does not start with '<' names a file holding the XML.
  const xml = arg.startsWith("<") ? arg : await readFile(arg);
  const parentIndex = ctx.int("parent-index") ?? -1;
  let flags = 0;
  if (live) flags |= VIR_NETWORK_UPDATE_AFFECT_LIVE;
  if (config) flags |= VIR_NETWORK_UPDATE_AFFECT_CONFIG;
  const name = net.name();
  await attempt(
    `Failed to update network ${name}`,
    () => net.update(command, section, parentIndex, xml, flags),
  );
  const affected = config
    ? live ? "persistent config and live state" : "persistent config"
    : live || await net.isActive()
    ? "live state"
    : "persistent config";
  done(ctx, `Updated network ${name} ${affected}`, name, "updated");
}

/** `net-edit NETWORK`: the persistent XML in `$VISUAL`/`$EDITOR`, defined again when changed. */
export async function netEdit(ctx: CommandContext): Promise<void> {
  const net = await lookupNetwork(ctx);
  const conn = await ctx.conn();
  const original = await net.XMLDesc(VIR_NETWORK_XML_INACTIVE);
  const path = await Deno.makeTempFile({ prefix: "virtkit-net-edit-", suffix: ".xml" });
  try {
    await Deno.writeTextFile(path, original);
    for (;;) {
      await runEditor(path);
      const edited = await Deno.readTextFile(path);
      if (edited === original) {
        done(
          ctx,
          `Network ${net.name()} XML configuration not changed.\n`,
          net.name(),
          "not changed",
        );
        return;
      }
      try {
        const n = await conn.networkDefineXML(edited);
        done(ctx, `Network ${n.name()} XML configuration edited.\n`, n.name(), "edited");
        return;
      } catch (e) {
        const text = e instanceof Error ? e.message : String(e);
        if (!Deno.stdin.isTerminal() || !confirm(`error: ${text}\nFailed. Try again?`)) {
          throw new CliError("the edited XML was not accepted", e);
        }
      }
    }
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

async function runEditor(path: string): Promise<void> {
  const editor = Deno.env.get("VISUAL") || Deno.env.get("EDITOR") || "vi";
  const status = await new Deno.Command("sh", {
    args: ["-c", `${editor} "$1"`, "sh", path],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) {
    throw new CliError(`the editor '${editor}' failed (exit status ${status.code})`);
  }
}

/** A lease's end as virsh prints it: local time, `YYYY-MM-DD HH:MM:SS`. */
function expiryText(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const LEASE_TYPES: Record<number, string> = {
  [VIR_IP_ADDR_TYPE_IPV4]: "ipv4",
  [VIR_IP_ADDR_TYPE_IPV6]: "ipv6",
};

/** `net-dhcp-leases NETWORK [--mac MAC]`. */
export async function netDhcpLeases(ctx: CommandContext): Promise<void> {
  const net = await lookupNetwork(ctx);
  const name = ctx.req("network");
  const leases: NetworkDHCPLease[] = await attempt(
    `Failed to get leases info for ${name}`,
    () => net.DHCPLeases(ctx.str("mac")),
  );
  leases.sort((a, b) => compareNames(a.mac ?? "", b.mac ?? ""));
  if (ctx.json) {
    ctx.printJson(leases);
    return;
  }
  const rows = leases.map((l) => [
    expiryText(l.expirytime),
    l.mac || "-",
    LEASE_TYPES[l.type] ?? "-",
    `${l.ipaddr}/${l.prefix}`,
    l.hostname || "-",
    l.clientid || "-",
  ]);
  ctx.print(
    formatTable(
      ["Expiry Time", "MAC address", "Protocol", "IP address", "Hostname", "Client ID or DUID"],
      rows,
    ),
  );
}
