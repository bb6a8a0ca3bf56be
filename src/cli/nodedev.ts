/**
 * Node device commands: nodedev-list, nodedev-dumpxml, nodedev-info,
 * nodedev-detach, nodedev-reattach, and the mediated device lifecycle
 * (nodedev-define, nodedev-create, nodedev-undefine, nodedev-start,
 * nodedev-destroy, nodedev-autostart), with virsh's options and output.
 * @module
 */
import {
  type NodeDevice,
  nodeDeviceCapFlag,
  VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE as ACTIVE,
  VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE as INACTIVE,
  VIR_NODE_DEVICE_CREATE_XML_VALIDATE,
} from "../connect.ts";
import { formatDeviceTree } from "../host/nodedev/tree.ts";
import { readFile } from "./files.ts";
import { attempt, CliError, compareNames } from "./output.ts";
import type { CommandContext } from "./spec.ts";

/** The device the command's `device` option names. */
async function lookupDevice(ctx: CommandContext): Promise<NodeDevice> {
  const name = ctx.req("device");
  const conn = await ctx.conn();
  try {
    return await conn.nodeDeviceLookupByName(name);
  } catch (e) {
    throw new CliError(`Could not find matching device '${name}'`, e);
  }
}

/** Reports an action's success: virsh's sentence, or JSON. */
function done(ctx: CommandContext, text: string, device: string, result: string): void {
  if (ctx.json) ctx.printJson({ device, result });
  else ctx.printExtra(text + "\n");
}

/** The capability filter bits of `--cap a,b`; virsh refuses any unknown name. */
function capFlags(list: string): number {
  let flags = 0;
  for (const name of list.split(",")) {
    const bit = nodeDeviceCapFlag(name);
    if (bit === undefined) throw new CliError("Invalid capability type");
    flags |= bit;
  }
  return flags;
}

/** `nodedev-list [--tree] [--cap LIST] [--inactive | --all]`. */
export async function nodedevList(ctx: CommandContext): Promise<void> {
  const tree = ctx.bool("tree");
  const cap = ctx.str("cap");
  const inactive = ctx.bool("inactive");
  if (tree && (cap !== undefined || inactive)) {
    throw new CliError("Option --tree is incompatible with --cap and --inactive");
  }
  let flags = ctx.bool("all") ? ACTIVE | INACTIVE : inactive ? INACTIVE : ACTIVE;
  if (cap !== undefined) flags |= capFlags(cap);
  const conn = await ctx.conn();
  const devices = await attempt("Failed to list node devices", () => conn.listAllDevices(flags));
  devices.sort((a, b) => compareNames(a.name(), b.name()));
  if (ctx.json) {
    ctx.printJson(devices.map((d) => ({ name: d.name(), parent: d.parent() ?? null })));
  } else if (tree) {
    ctx.print(formatDeviceTree(devices.map((d) => ({ name: d.name(), parent: d.parent() }))));
  } else {
    ctx.print(devices.map((d) => `${d.name()}\n`).join(""));
  }
}

/** `nodedev-dumpxml DEVICE`. */
export async function nodedevDumpxml(ctx: CommandContext): Promise<void> {
  const dev = await lookupDevice(ctx);
  const xml = await dev.XMLDesc();
  if (ctx.json) ctx.printJson({ xml });
  else ctx.print(xml);
}

/** What virsh prints when an answer cannot be had: the C API's -1 reads as true. */
async function orTrue(f: () => Promise<boolean>): Promise<boolean> {
  try {
    return await f();
  } catch {
    return true;
  }
}

/** `nodedev-info DEVICE`: name, parent, and whether it is active, persistent and autostarted. */
export async function nodedevInfo(ctx: CommandContext): Promise<void> {
  const dev = await lookupDevice(ctx);
  const active = await orTrue(() => dev.isActive());
  const persistent = await orTrue(() => dev.isPersistent());
  let autostart: boolean | undefined;
  try {
    autostart = await dev.autostart();
  } catch {
    autostart = undefined;
  }
  if (ctx.json) {
    ctx.printJson({
      name: dev.name(),
      parent: dev.parent() ?? null,
      active,
      persistent,
      autostart: autostart ?? null,
    });
    return;
  }
  const yes = (b: boolean) => (b ? "yes" : "no");
  const rows: [string, string][] = [
    ["Name:", dev.name()],
    ["Parent:", dev.parent() ?? ""],
    ["Active:", yes(active)],
    ["Persistent:", yes(persistent)],
    ["Autostart:", autostart === undefined ? "no autostart" : yes(autostart)],
  ];
  ctx.print(rows.map(([k, v]) => `${k.padEnd(15)} ${v}\n`).join(""));
}

/** `nodedev-detach DEVICE [--driver vfio]`: binds a PCI device to vfio-pci. */
export async function nodedevDetach(ctx: CommandContext): Promise<void> {
  const dev = await lookupDevice(ctx);
  const driver = ctx.str("driver");
  await attempt(
    `Failed to detach device ${dev.name()}`,
    () => driver === undefined ? dev.dettach() : dev.detachFlags(driver),
  );
  done(ctx, `Device ${dev.name()} detached`, dev.name(), "detached");
}

/** `nodedev-reattach DEVICE`: gives a detached PCI device back to its driver. */
export async function nodedevReattach(ctx: CommandContext): Promise<void> {
  const dev = await lookupDevice(ctx);
  await attempt(`Failed to re-attach device ${dev.name()}`, () => dev.reAttach());
  done(ctx, `Device ${dev.name()} re-attached`, dev.name(), "re-attached");
}

function xmlFlags(ctx: CommandContext): number {
  return ctx.bool("validate") ? VIR_NODE_DEVICE_CREATE_XML_VALIDATE : 0;
}

/** `nodedev-define FILE`: defines a persistent mediated device. */
export async function nodedevDefine(ctx: CommandContext): Promise<void> {
  const file = ctx.req("file");
  const xml = await readFile(file);
  const conn = await ctx.conn();
  const dev = await attempt(
    `Failed to define node device from '${file}'`,
    () => conn.nodeDeviceDefineXML(xml, xmlFlags(ctx)),
  );
  done(ctx, `Node device '${dev.name()}' defined from '${file}'`, dev.name(), "defined");
}

/** `nodedev-create FILE`: creates a transient mediated device. */
export async function nodedevCreate(ctx: CommandContext): Promise<void> {
  const file = ctx.req("file");
  const xml = await readFile(file);
  const conn = await ctx.conn();
  const dev = await attempt(
    `Failed to create node device from ${file}`,
    () => conn.nodeDeviceCreateXML(xml, xmlFlags(ctx)),
  );
  done(ctx, `Node device ${dev.name()} created from ${file}`, dev.name(), "created");
}

/** `nodedev-undefine DEVICE`: removes a mediated device's definition. */
export async function nodedevUndefine(ctx: CommandContext): Promise<void> {
  const dev = await lookupDevice(ctx);
  await attempt(`Failed to undefine node device '${dev.name()}'`, () => dev.undefine());
  done(ctx, `Undefined node device '${dev.name()}'`, dev.name(), "undefined");
}

/** `nodedev-start DEVICE`: starts a defined mediated device. */
export async function nodedevStart(ctx: CommandContext): Promise<void> {
  const dev = await lookupDevice(ctx);
  await attempt(`Failed to start device ${dev.name()}`, () => dev.create());
  done(ctx, `Device ${dev.name()} started`, dev.name(), "started");
}

/** `nodedev-destroy DEVICE`: stops a mediated device. */
export async function nodedevDestroy(ctx: CommandContext): Promise<void> {
  const dev = await lookupDevice(ctx);
  await attempt(`Failed to destroy node device '${dev.name()}'`, () => dev.destroy());
  done(ctx, `Destroyed node device '${dev.name()}'`, dev.name(), "destroyed");
}

/** `nodedev-autostart DEVICE [--disable]`. */
export async function nodedevAutostart(ctx: CommandContext): Promise<void> {
  const dev = await lookupDevice(ctx);
  const on = !ctx.bool("disable");
  const verb = on ? "mark" : "unmark";
  await attempt(
    `failed to ${verb} device ${dev.name()} as autostarted`,
    () => dev.setAutostart(on),
  );
  done(
    ctx,
    `Device ${dev.name()} ${verb}ed as autostarted`,
    dev.name(),
    on ? "autostart" : "no autostart",
  );
}
