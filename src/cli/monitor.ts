/**
 * Domain monitoring commands: list, dominfo, domstate and dommemstat.
 * @module
 */
import {
  type DomainSummary,
  VIR_CONNECT_LIST_DOMAINS_ACTIVE as ACTIVE,
  VIR_CONNECT_LIST_DOMAINS_AUTOSTART,
  VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT,
  VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
  VIR_CONNECT_LIST_DOMAINS_INACTIVE as INACTIVE,
  VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
  VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
  VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT,
  VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
  VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT,
  VIR_CONNECT_LIST_DOMAINS_OTHER,
  VIR_CONNECT_LIST_DOMAINS_PAUSED,
  VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
  VIR_CONNECT_LIST_DOMAINS_RUNNING,
  VIR_CONNECT_LIST_DOMAINS_SHUTOFF,
  VIR_CONNECT_LIST_DOMAINS_TRANSIENT,
  VIR_DOMAIN_SHUTOFF,
} from "../connect.ts";
import { lookupDomain } from "./lookup.ts";
import { CliError, compareNames, formatTable, reasonName, stateName } from "./output.ts";
import type { CommandContext } from "./spec.ts";

const FILTERS: [string, number][] = [
  ["persistent", VIR_CONNECT_LIST_DOMAINS_PERSISTENT],
  ["transient", VIR_CONNECT_LIST_DOMAINS_TRANSIENT],
  ["with-managed-save", VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE],
  ["without-managed-save", VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE],
  ["autostart", VIR_CONNECT_LIST_DOMAINS_AUTOSTART],
  ["no-autostart", VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART],
  ["with-snapshot", VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT],
  ["without-snapshot", VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT],
  ["with-checkpoint", VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT],
  ["without-checkpoint", VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT],
  ["state-running", VIR_CONNECT_LIST_DOMAINS_RUNNING],
  ["state-paused", VIR_CONNECT_LIST_DOMAINS_PAUSED],
  ["state-shutoff", VIR_CONNECT_LIST_DOMAINS_SHUTOFF],
  ["state-other", VIR_CONNECT_LIST_DOMAINS_OTHER],
];

/** Running domains first by id, then inactive ones by name, as virsh sorts. */
function byIdThenName(a: DomainSummary, b: DomainSummary): number {
  if (a.id === -1 && b.id === -1) return compareNames(a.name, b.name);
  if (a.id !== -1 && b.id !== -1) return a.id - b.id;
  return a.id !== -1 ? -1 : 1;
}

/** Fails when two mutually exclusive options are both given. */
export function exclusive(ctx: CommandContext, a: string, b: string): void {
  if (ctx.bool(a) && ctx.bool(b)) {
    throw new CliError(`Options --${a} and --${b} are mutually exclusive`);
  }
}

/** `list`: a table of domains, or their names, UUIDs or ids. */
export async function list(ctx: CommandContext): Promise<void> {
  let flags = ctx.bool("inactive") || ctx.bool("state-shutoff") ? INACTIVE : ACTIVE;
  if (ctx.bool("all")) flags = ACTIVE | INACTIVE;
  for (const [opt, bit] of FILTERS) if (ctx.bool(opt)) flags |= bit;
  exclusive(ctx, "table", "name");
  exclusive(ctx, "table", "uuid");
  exclusive(ctx, "table", "id");
  const [byUuid, byName, byId] = [ctx.bool("uuid"), ctx.bool("name"), ctx.bool("id")];
  const conn = await ctx.conn();
  const doms = (await conn.listAllDomainSummaries(flags)).sort(byIdThenName);
  const state = (d: DomainSummary) =>
    ctx.bool("managed-save") && d.state === VIR_DOMAIN_SHUTOFF && d.managedSave
      ? "saved"
      : stateName(d.state);
  if (ctx.json) {
    ctx.printJson(doms.map((d) => ({
      id: d.id === -1 ? null : d.id,
      name: d.name,
      uuid: d.uuid,
      state: state(d),
      persistent: d.persistent,
      autostart: d.autostart,
      ...(ctx.bool("title") ? { title: d.title ?? "" } : {}),
    })));
    return;
  }
  const id = (d: DomainSummary) => (d.id === -1 ? "-" : String(d.id));
  if (!byUuid && !byName && !byId) {
    const title = ctx.bool("title");
    const header = title ? ["Id", "Name", "State", "Title"] : ["Id", "Name", "State"];
    const rows = doms.map((
      d,
    ) => (title ? [id(d), d.name, state(d), firstLine(d.title)] : [id(d), d.name, state(d)]));
    ctx.print(formatTable(header, rows));
    return;
  }
  for (const d of doms) {
    if (byId && !byUuid && !byName && d.id === -1) continue;
    const parts: string[] = [];
    if (byUuid) parts.push(d.uuid);
    if (byId) parts.push(id(d));
    if (byName) parts.push(d.name);
    ctx.print(parts.join(" ") + "\n");
  }
}

function firstLine(s: string | undefined): string {
  return (s ?? "").split("\n")[0];
}

/** `dominfo DOMAIN`. */
export async function dominfo(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  const conn = dom.connect();
  const info = await dom.info();
  const summary = await dom.summary();
  const osType = await dom.OSType();
  const secModel = await conn.getSecurityModel();
  const label = secModel && secModel[0] ? await dom.securityLabel() : undefined;
  const id = dom.ID();
  if (ctx.json) {
    ctx.printJson({
      id: id === -1 ? null : id,
      name: dom.name(),
      uuid: dom.UUIDString(),
      osType,
      state: stateName(info.state),
      cpus: info.nrVirtCpu,
      cpuTime: info.cpuTime / 1e9,
      maxMemory: info.maxMem,
      usedMemory: info.memory,
      persistent: summary.persistent,
      autostart: summary.autostart,
      managedSave: summary.managedSave,
      securityModel: secModel?.[0] ?? null,
      securityDoi: secModel?.[1] ?? null,
      securityLabel: label ? { label: label[0], enforcing: label[1] } : null,
    });
    return;
  }
  const rows: [string, string][] = [
    ["Id:", id === -1 ? "-" : String(id)],
    ["Name:", dom.name()],
    ["UUID:", dom.UUIDString()],
    ["OS Type:", osType],
    ["State:", stateName(info.state)],
    ["CPU(s):", String(info.nrVirtCpu)],
  ];
  if (info.cpuTime !== 0) rows.push(["CPU time:", `${(info.cpuTime / 1e9).toFixed(1)}s`]);
  rows.push(
    ["Max memory:", `${info.maxMem} KiB`],
    ["Used memory:", `${info.memory} KiB`],
    ["Persistent:", summary.persistent ? "yes" : "no"],
    ["Autostart:", summary.autostart ? "enable" : "disable"],
    ["Managed save:", summary.managedSave ? "yes" : "no"],
  );
  if (secModel && secModel[0]) {
    rows.push(["Security model:", secModel[0]], ["Security DOI:", secModel[1]]);
    if (label && label[0]) {
      rows.push(["Security label:", `${label[0]} (${label[1] ? "enforcing" : "permissive"})`]);
    }
  }
  ctx.print(rows.map(([k, v]) => `${k.padEnd(15)} ${v}\n`).join(""));
}

/** `domstate DOMAIN [--reason]`. */
export async function domstate(ctx: CommandContext): Promise<void> {
  const dom = await lookupDomain(ctx);
  const [state, reason] = await dom.state();
  if (ctx.json) {
    ctx.printJson({ state: stateName(state), reason: reasonName(state, reason) });
  } else if (ctx.bool("reason")) {
    ctx.print(`${stateName(state)} (${reasonName(state, reason)})\n`);
  } else {
    ctx.print(`${stateName(state)}\n`);
  }
}

/** `dommemstat DOMAIN`: the balloon statistics of a running domain. */
export async function dommemstat(ctx: CommandContext): Promise<void> {
  exclusive(ctx, "current", "live");
  exclusive(ctx, "current", "config");
  const dom = await lookupDomain(ctx);
  let stats: [string, number][];
  try {
    stats = await dom.memoryStatsList();
  } catch (e) {
    throw new CliError(`Failed to get memory statistics for domain ${ctx.req("domain")}`, e);
  }
  if (ctx.json) ctx.printJson(Object.fromEntries(stats));
  else ctx.print(stats.map(([k, v]) => `${k} ${v}\n`).join(""));
}
