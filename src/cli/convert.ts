/**
 * Converter commands: `domxml-from-native FORMAT FILE`, `domxml-to-native
 * FORMAT {XML | --domain DOMAIN}` (virsh's syntax) for `vmware-vmx` and
 * `lxc-tools` (and `qemu-argv`, handled in `qemu.ts`), and `import-vmx`,
 * which turns a VMware guest into a QEMU/KVM domain. The converters need no
 * connection; only `--domain` and the define step of `import-vmx` open one.
 * @module
 */
import { type Connection, importLazily, open, VIR_DOMAIN_XML_INACTIVE } from "../connect.ts";
import { VirtError } from "../errors.ts";
import { readBytes, readFile } from "./files.ts";
import { lookupDomain } from "./lookup.ts";
import { CliError } from "./output.ts";
import type { CommandContext } from "./spec.ts";

type DomainModel = typeof import("../conf/domain/mod.ts");
type VmxModule = typeof import("../../drivers/vmx/mod.ts");
type LocalFiles = typeof import("../../drivers/vmx/local-files.ts");
type LxcModule = typeof import("../../drivers/lxc/mod.ts");
type ImportModule = typeof import("../../drivers/vmx/import.ts");
type ImportExec = typeof import("../../drivers/vmx/import-exec.ts");
type Caps = typeof import("../../drivers/qemu/caps.ts");
type Progress = typeof import("./progress.ts");

const load = <T>(path: string) => importLazily<T>(path, import.meta.url);

/** Formats `domxml-from-native` reads. */
const FROM_NATIVE = ["lxc-tools", "vmware-vmx"];
/** Formats `domxml-to-native` writes. */
const TO_NATIVE = ["lxc-tools", "qemu-argv", "vmware-vmx"];

function unsupportedFormat(format: string, formats: string[]): VirtError {
  return new VirtError(
    "invalid-arg",
    "domain",
    `unsupported config type '${format}'; supported: ${formats.join(", ")}`,
  );
}

/** Prints a converter's warning on standard error. */
function warn(message: string): void {
  const data = new TextEncoder().encode(`warning: ${message}\n`);
  let rest = data;
  while (rest.length) rest = rest.subarray(Deno.stderr.writeSync(rest));
}

/** A path made absolute against the current folder. */
function absolute(path: string): string {
  if (path.startsWith("/")) return path;
  const cwd = Deno.cwd();
  return `${cwd === "/" ? "" : cwd}/${path.replace(/^\.\//, "")}`;
}

async function datastores(ctx: CommandContext, format: string): Promise<Map<string, string>> {
  const specs = ctx.all("datastore");
  if (specs.length && format !== "vmware-vmx") {
    throw new CliError(`option --datastore applies to the vmware-vmx format only`);
  }
  const { parseDatastoreMappings } = await load<LocalFiles>("../../drivers/vmx/local-files.ts");
  return parseDatastoreMappings(specs);
}

/** `domxml-from-native FORMAT CONFIG`: native config to domain XML. */
export async function domxmlFromNative(ctx: CommandContext): Promise<void> {
  const format = ctx.req("format");
  const file = ctx.req("config");
  if (!FROM_NATIVE.includes(format)) throw unsupportedFormat(format, FROM_NATIVE);
  const ds = await datastores(ctx, format);
  const { formatDomainXml } = await load<DomainModel>("../conf/domain/mod.ts");
  let xml: string;
  if (format === "vmware-vmx") {
    const bytes = await readBytes(file);
    const { vmxToDomain } = await load<VmxModule>("../../drivers/vmx/mod.ts");
    const { offlineReadContext } = await load<LocalFiles>("../../drivers/vmx/local-files.ts");
    const def = vmxToDomain(bytes, offlineReadContext(absolute(file), ds));
    xml = formatDomainXml(def, { inactive: true });
  } else {
    const text = await readFile(file);
    const { lxcConfigToDomain } = await load<LxcModule>("../../drivers/lxc/mod.ts");
    xml = formatDomainXml(lxcConfigToDomain(text, { onWarning: warn }));
  }
  if (ctx.json) ctx.printJson({ xml });
  else ctx.print(xml);
}

/**
 * The `qemu-argv` converter, when the QEMU command module provides one:
 * `src/cli/qemu.ts` exporting `domxmlToQemuArgv(ctx, xml)` resolving to
 * the command line text.
 */
async function qemuArgv(ctx: CommandContext, xml: string): Promise<string> {
  let mod: Record<string, unknown> | undefined;
  try {
    mod = await load<Record<string, unknown>>("./qemu.ts");
  } catch (e) {
    if (!String((e as Error).message).includes("Module not found")) throw e;
  }
  const convert = mod?.domxmlToQemuArgv;
  if (typeof convert !== "function") {
    throw unsupportedFormat("qemu-argv", TO_NATIVE.filter((f) => f !== "qemu-argv"));
  }
  return await (convert as (ctx: CommandContext, xml: string) => Promise<string>)(ctx, xml);
}

/** `domxml-to-native FORMAT {XML | --domain DOMAIN}`: domain XML to a native config. */
export async function domxmlToNative(ctx: CommandContext): Promise<void> {
  const format = ctx.req("format");
  const file = ctx.str("xml");
  const domain = ctx.str("domain");
  if (!TO_NATIVE.includes(format)) throw unsupportedFormat(format, TO_NATIVE);
  if (file !== undefined && domain !== undefined) {
    throw new CliError("Options --xml and --domain are mutually exclusive");
  }
  if (file === undefined && domain === undefined) {
    throw new CliError(`command '${ctx.name}' requires <xml> or --domain option`);
  }
  const ds = await datastores(ctx, format);
  const xml = file !== undefined
    ? await readFile(file)
    : await (await lookupDomain(ctx)).XMLDesc(VIR_DOMAIN_XML_INACTIVE);
  let text: string;
  if (format === "qemu-argv") {
    text = await qemuArgv(ctx, xml);
  } else {
    const { parseDomainXml } = await load<DomainModel>("../conf/domain/mod.ts");
    const def = parseDomainXml(xml, { inactive: true });
    if (format === "vmware-vmx") {
      const { domainToVmx } = await load<VmxModule>("../../drivers/vmx/mod.ts");
      const { offlineWriteContext } = await load<LocalFiles>("../../drivers/vmx/local-files.ts");
      text = domainToVmx(def, offlineWriteContext(ds));
    } else {
      const { domainToLxcConfig } = await load<LxcModule>("../../drivers/lxc/mod.ts");
      const out = domainToLxcConfig(def);
      for (const w of out.warnings) warn(w);
      text = out.config;
    }
  }
  if (ctx.json) ctx.printJson({ config: text });
  else ctx.print(text);
}

/** A word quoted for a POSIX shell when it needs it. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * `import-vmx FILE [--connect URI] [--disk-format qcow2|raw] [--virtio]
 * [--dry-run] [--output-dir DIR] [--datastore NAME=DIR]...`: converts a
 * VMware guest's disks with qemu-img and defines it as a QEMU/KVM domain.
 */
export async function importVmx(ctx: CommandContext): Promise<void> {
  const file = absolute(ctx.req("file"));
  const diskFormat = ctx.str("disk-format") ?? "qcow2";
  if (diskFormat !== "qcow2" && diskFormat !== "raw") {
    throw new CliError(`unknown disk format '${diskFormat}', expecting 'qcow2' or 'raw'`);
  }
  const ds = await datastores(ctx, "vmware-vmx");
  const { dirnameOf } = await load<LocalFiles>("../../drivers/vmx/local-files.ts");
  const bytes = await readBytes(file);
  const { planVmxImport, qemuImgConvertArgs } = await load<ImportModule>(
    "../../drivers/vmx/import.ts",
  );
  const exec = await load<ImportExec>("../../drivers/vmx/import-exec.ts");
  const { hostHasKvm } = await load<Caps>("../../drivers/qemu/caps.ts");
  const outputDir = ctx.str("output-dir");
  const plan = planVmxImport(bytes, {
    vmxPath: file,
    outputDir: outputDir === undefined ? dirnameOf(file) : absolute(outputDir),
    diskFormat,
    virtio: ctx.bool("virtio"),
    kvm: hostHasKvm(),
    datastores: ds,
    firmware: await exec.loadUefiFirmware(),
    files: exec.localFileProbe(),
  });
  for (const w of plan.warnings) warn(w);

  const commands = [
    ...plan.conversions.map((c) => ["qemu-img", ...qemuImgConvertArgs(c)]),
    ...plan.copies.map((c) => ["cp", c.source, c.target]),
  ].map((argv) => argv.map(shellQuote).join(" "));
  if (ctx.bool("dry-run")) {
    if (ctx.json) {
      const { xml, name, conversions, copies, warnings } = plan;
      ctx.printJson({ domain: name, result: "planned", xml, conversions, copies, warnings });
    } else {
      ctx.print(plan.xml);
      ctx.print(`\nPlanned steps:\n${commands.map((c) => `  ${c}\n`).join("") || "  (none)\n"}`);
    }
    return;
  }

  const uri = ctx.str("connect");
  let conn: Connection;
  try {
    conn = uri === undefined ? await ctx.conn() : await open(uri);
  } catch (e) {
    throw new CliError("failed to connect to the hypervisor", e);
  }
  try {
    await ensureNameFree(conn, plan.name);
    const { ProgressBar } = await load<Progress>("./progress.ts");
    let bar: InstanceType<typeof ProgressBar> | undefined;
    await exec.executeVmxImport(plan, {
      progress: {
        start: (c, i, n) => {
          bar = new ProgressBar(
            `disk ${i + 1}/${n} ${c.target.slice(c.target.lastIndexOf("/") + 1)}`,
          );
        },
        progress: (_c, p) => bar?.update(p),
        done: () => bar?.finish(),
      },
    });
    try {
      await conn.defineXML(plan.xml);
    } catch (e) {
      await exec.removeImportOutputs(plan);
      throw new CliError(`Failed to define domain from ${file}`, e);
    }
  } finally {
    if (uri !== undefined) await conn.close();
  }
  if (ctx.json) {
    ctx.printJson({
      domain: plan.name,
      result: "imported",
      disks: plan.conversions.map((c) => c.target),
    });
  } else ctx.printExtra(`Domain '${plan.name}' imported from ${file}\n`);
}

/** Fails when the connection already has a domain of that name (define would replace it). */
async function ensureNameFree(conn: Connection, name: string): Promise<void> {
  try {
    await conn.lookupByName(name);
  } catch (e) {
    if (e instanceof VirtError && e.code === "no-domain") return;
    throw e;
  }
  throw new CliError(`domain '${name}' already exists on ${await conn.getURI()}`);
}
