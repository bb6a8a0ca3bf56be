/**
 * Domain management commands: define, undefine, create, start, destroy,
 * shutdown, reboot, suspend, resume, dumpxml, edit, autostart, domid,
 * domname, domuuid and vcpucount.
 * @module
 */
import {
  type Domain,
  VIR_DOMAIN_AFFECT_CONFIG,
  VIR_DOMAIN_AFFECT_LIVE,
  VIR_DOMAIN_DEFINE_VALIDATE,
  VIR_DOMAIN_DESTROY_GRACEFUL,
  VIR_DOMAIN_START_AUTODESTROY,
  VIR_DOMAIN_START_BYPASS_CACHE,
  VIR_DOMAIN_START_FORCE_BOOT,
  VIR_DOMAIN_START_PAUSED,
  VIR_DOMAIN_START_VALIDATE,
  VIR_DOMAIN_VCPU_GUEST,
  VIR_DOMAIN_VCPU_MAXIMUM,
  VIR_DOMAIN_XML_INACTIVE,
  VIR_DOMAIN_XML_MIGRATABLE,
  VIR_DOMAIN_XML_SECURE,
  VIR_DOMAIN_XML_UPDATE_CPU,
} from "../connect.ts";
import { lookupDomain } from "./lookup.ts";
import type { CommandContext } from "./spec.ts";
import { readFile } from "./files.ts";
import { attempt, CliError } from "./output.ts";

/** Reports an action's success: virsh's sentence, or JSON. */
function done(ctx: CommandContext, text: string, domain: string, result: string): void {
  if (ctx.json) ctx.printJson({ domain, result });
  else ctx.printExtra(text + "\n");
}

function bits(ctx: CommandContext, table: [string, number][]): number {
  return table.reduce((acc, [opt, bit]) => (ctx.bool(opt) ? acc | bit : acc), 0);
}

/** Shutdown and reboot modes, as `--mode` names them. */
const MODES: Record<string, number> = { acpi: 1, agent: 2, initctl: 4, signal: 8, paravirt: 16 };

function modeFlags(ctx: CommandContext): number {
  const mode = ctx.str("mode");
  if (mode === undefined) return 0;
  let flags = 0;
  for (const m of mode.split(",")) {
    const bit = MODES[m];
    if (bit === undefined) {
      throw new CliError(
        `Unknown mode ${m} value, expecting 'acpi', 'agent', 'initctl', 'signal' or 'paravirt'`,
      );
    }
    flags |= bit;
  }
  return flags;
}

/** `define FILE`: defines a domain. */
export async function define(ctx: CommandContext): Promise<void> {
  const file = ctx.req("file");
  const xml = await readFile(file);
  const conn = await ctx.conn();
  const flags = ctx.bool("validate") ? VIR_DOMAIN_DEFINE_VALIDATE : 0;
  const dom = await attempt(
    `Failed to define domain from ${file}`,
    () => conn.defineXMLFlags(xml, flags),
  );
  done(ctx, `Domain '${dom.name()}' defined from ${file}`, dom.name(), "defined");
}

/** `create FILE`: creates and starts a domain. */
export async function create(ctx: CommandContext): Promise<void> {
  const file = ctx.req("file");
  const xml = await readFile(file);
  const conn = await ctx.conn();
  const flags = bits(ctx, [
    ["paused", VIR_DOMAIN_START_PAUSED],
    ["autodestroy", VIR_DOMAIN_START_AUTODESTROY],
    ["validate", VIR_DOMAIN_START_VALIDATE],
  ]);
  const dom = await attempt(
    `Failed to create domain from ${file}`,
    () => conn.createXML(xml, flags),
  );
  done(ctx, `Domain '${dom.name()}' created from ${file}`, dom.name(), "created");
}

/** `start DOMAIN`: starts a defined domain. */
export async function start(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  if (dom.ID() !== -1) throw new CliError("Domain is already active");
  const flags = bits(ctx, [
    ["paused", VIR_DOMAIN_START_PAUSED],
    ["autodestroy", VIR_DOMAIN_START_AUTODESTROY],
    ["bypass-cache", VIR_DOMAIN_START_BYPASS_CACHE],
    ["force-boot", VIR_DOMAIN_START_FORCE_BOOT],
  ]);
  await attempt(`Failed to start domain '${dom.name()}'`, () => dom.create(flags));
  done(ctx, `Domain '${dom.name()}' started`, dom.name(), "started");
}

/**
 * A command that looks up a domain and performs one action on it; `flags`
 * reads the options first, so a bad option fails before anything happens.
 */
function action(
  verb: string,
  result: string,
  sentence: string,
  f: (dom: Domain, flags: number) => Promise<void>,
  flags: (ctx: CommandContext) => number = () => 0,
) {
  return async (ctx: CommandContext): Promise<void> => {
    const mask = flags(ctx);
    const dom = await lookupDomain(ctx);
    const name = ctx.req("domain");
    await attempt(`Failed to ${verb} domain '${name}'`, () => f(dom, mask));
    done(ctx, `Domain '${name}' ${sentence}`, dom.name(), result);
  };
}

/** `destroy DOMAIN`. */
export const destroy = action(
  "destroy",
  "destroyed",
  "destroyed",
  (d, f) => d.destroy(f),
  (ctx) => bits(ctx, [["graceful", VIR_DOMAIN_DESTROY_GRACEFUL]]),
);
/** `shutdown DOMAIN`. */
export const shutdown = action(
  "shutdown",
  "shutdown",
  "is being shutdown",
  (d, f) => d.shutdown(f),
  modeFlags,
);
/** `reboot DOMAIN`. */
export const reboot = action(
  "reboot",
  "rebooted",
  "is being rebooted",
  (d, f) => d.reboot(f),
  modeFlags,
);
/** `suspend DOMAIN`. */
export const suspend = action("suspend", "suspended", "suspended", (d) => d.suspend());
/** `resume DOMAIN`. */
export const resume = action("resume", "resumed", "resumed", (d) => d.resume());
/** `undefine DOMAIN`. */
export const undefine = action(
  "undefine",
  "undefined",
  "has been undefined",
  (d, f) => d.undefine(f),
  (ctx) =>
    bits(ctx, [
      ["managed-save", 1],
      ["snapshots-metadata", 2],
      ["nvram", 4],
      ["keep-nvram", 8],
      ["checkpoints-metadata", 16],
      ["tpm", 32],
      ["keep-tpm", 64],
    ]),
);

/** `autostart DOMAIN [--disable]`. */
export async function autostart(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  const name = ctx.req("domain");
  const on = !ctx.bool("disable");
  const what = on ? "mark" : "unmark";
  await attempt(`Failed to ${what} domain '${name}' as autostarted`, () => dom.setAutostart(on));
  done(
    ctx,
    `Domain '${name}' ${what}ed as autostarted`,
    dom.name(),
    on ? "autostart enabled" : "autostart disabled",
  );
}

/** `dumpxml DOMAIN`. */
export async function dumpxml(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  const flags = bits(ctx, [
    ["inactive", VIR_DOMAIN_XML_INACTIVE],
    ["security-info", VIR_DOMAIN_XML_SECURE],
    ["update-cpu", VIR_DOMAIN_XML_UPDATE_CPU],
    ["migratable", VIR_DOMAIN_XML_MIGRATABLE],
  ]);
  const xml = await dom.XMLDesc(flags);
  if (ctx.json) ctx.printJson({ xml });
  else ctx.print(xml);
}

/** `domid DOMAIN`. */
export async function domid(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  const id = dom.ID();
  if (ctx.json) ctx.printJson({ id: id === -1 ? null : id });
  else ctx.print(id === -1 ? "-\n" : `${id}\n`);
}

/** `domname DOMAIN`. */
export async function domname(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  if (ctx.json) ctx.printJson({ name: dom.name() });
  else ctx.print(`${dom.name()}\n`);
}

/** `domuuid DOMAIN`. */
export async function domuuid(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  if (ctx.json) ctx.printJson({ uuid: dom.UUIDString() });
  else ctx.print(`${dom.UUIDString()}\n`);
}

/** `vcpucount DOMAIN`: the four counts, or the one the options select. */
export async function vcpucount(ctx: CommandContext): Promise<void> {
  const maximum = ctx.bool("maximum");
  const active = ctx.bool("active");
  const live = ctx.bool("live");
  const config = ctx.bool("config");
  const guest = ctx.bool("guest");
  // "--current" alone once meant "--active"; it only selects the definition when paired.
  const current = ctx.bool("current") && (maximum || active);
  const all = !maximum && !active && !ctx.bool("current") && !live && !config && !guest;
  for (
    const [a, b, an, bn] of [
      [current, live, "current", "live"],
      [current, config, "current", "config"],
      [active, maximum, "active", "maximum"],
      [guest, config, "guest", "config"],
    ] as const
  ) {
    if (a && b) throw new CliError(`Options --${an} and --${bn} are mutually exclusive`);
  }
  const dom = await lookupDomain(ctx);
  if (!all) {
    let flags = 0;
    if (live) flags |= VIR_DOMAIN_AFFECT_LIVE;
    if (config) flags |= VIR_DOMAIN_AFFECT_CONFIG;
    if (maximum) flags |= VIR_DOMAIN_VCPU_MAXIMUM;
    if (guest) flags |= VIR_DOMAIN_VCPU_GUEST;
    const n = await dom.vcpusFlags(flags);
    if (ctx.json) ctx.printJson({ count: n });
    else ctx.print(`${n}\n`);
    return;
  }
  const summary = await dom.summary();
  const count = async (
    flags: number,
    applies: boolean,
  ) => (applies ? await dom.vcpusFlags(flags) : undefined);
  const isActive = summary.id !== -1;
  const confMax = await count(
    VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM,
    summary.persistent,
  );
  const confCur = await count(VIR_DOMAIN_AFFECT_CONFIG, summary.persistent);
  const liveMax = await count(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_VCPU_MAXIMUM, isActive);
  const liveCur = await count(VIR_DOMAIN_AFFECT_LIVE, isActive);
  if (ctx.json) {
    ctx.printJson({
      maximum: { config: confMax ?? null, live: liveMax ?? null },
      current: { config: confCur ?? null, live: liveCur ?? null },
    });
    return;
  }
  const row = (which: string, state: string, n: number | undefined) => {
    if (n !== undefined) {
      ctx.print(`${which.padEnd(12)} ${state.padEnd(12)} ${String(n).padStart(3)}\n`);
    }
  };
  row("maximum", "config", confMax);
  row("maximum", "live", liveMax);
  row("current", "config", confCur);
  row("current", "live", liveCur);
}

/** `edit DOMAIN`: the persistent XML in `$VISUAL`/`$EDITOR`, defined again when changed. */
export async function edit(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  const conn = await ctx.conn();
  const original = await dom.XMLDesc(VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
  const path = await Deno.makeTempFile({ prefix: "virtkit-edit-", suffix: ".xml" });
  try {
    await Deno.writeTextFile(path, original);
    const flags = ctx.bool("skip-validate") ? 0 : VIR_DOMAIN_DEFINE_VALIDATE;
    for (;;) {
      await runEditor(path);
      const edited = await Deno.readTextFile(path);
      if (edited === original) {
        done(
          ctx,
          `Domain '${dom.name()}' XML configuration not changed.`,
          dom.name(),
          "not changed",
        );
        return;
      }
      try {
        const d = await conn.defineXMLFlags(edited, flags);
        done(ctx, `Domain '${d.name()}' XML configuration edited.`, d.name(), "edited");
        return;
      } catch (e) {
        if (!Deno.stdin.isTerminal() || !confirm(`error: ${errorText(e)}\nFailed. Try again?`)) {
          throw new CliError("the edited XML was not accepted", e);
        }
      }
    }
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
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
