/**
 * The QEMU command line of a domain: `buildQemuArgv(def, opts)` returns the
 * binary, its arguments and its environment, in libvirt's style
 * (`-name guest=NAME,debug-threads=on`, `-blockdev`/`-device`/`-netdev`
 * JSON, `-chardev` key=value lists). The process starts paused (`-S`) with a
 * QMP monitor on `opts.paths.monitor` and `-no-shutdown`, so the driver
 * negotiates, sends `cont`, and decides what a guest power-off means.
 *
 * Anything the definition asks for that the builder does not turn into
 * arguments is rejected with a `VirtError` naming the element; nothing is
 * silently dropped. Host resources (TAP devices, VNC ports, the nvram copy)
 * are the driver's job and are passed in.
 *
 * @example
 * ```ts
 * const caps = await probeQemuCaps("/usr/bin/qemu-system-x86_64", { cacheDir });
 * const { binary, args, env } = buildQemuArgv(def, { caps, paths: { monitor: "/run/vm1.qmp" } });
 * const child = new Deno.Command(binary, { args, env, clearEnv: true }).spawn();
 * ```
 * @module
 */
import type { DomainDef } from "../../src/conf/domain/def.ts";
import { type ArgvContext, json, kv, type QemuArgvOptions, reject } from "./argv-context.ts";
import { buildChardevs } from "./argv-chardev.ts";
import {
  buildGraphics,
  buildInputs,
  buildInterfaces,
  buildMemballoon,
  buildPanics,
  buildRngs,
  buildVideos,
  buildWatchdogs,
  rejectUnsupportedDevices,
} from "./argv-devices.ts";
import { buildControllers, buildDisks } from "./argv-storage.ts";
import { deviceAliases } from "./aliases.ts";
import { isQ35 } from "./caps.ts";

export type { QemuArgvOptions, QemuNetHost, QemuPaths } from "./argv-context.ts";

/** A command ready to run. */
export interface QemuCommand {
  /** The emulator binary. */
  binary: string;
  /** Its arguments (without the binary). */
  args: string[];
  /** The whole environment of the process. */
  env: Record<string, string>;
}

/**
 * Builds the QEMU command line of `def`.
 *
 * @throws VirtError `config-unsupported` whose message starts with the
 * element the driver cannot run, e.g. `<video><model type='xen'>: ...`
 */
export function buildQemuArgv(def: DomainDef, opts: QemuArgvOptions): QemuCommand {
  const caps = opts.caps;
  const machine = def.os.machine ?? caps.defaultMachine;
  if (!machine) {
    throw reject("<os><type machine>", `no machine type given and '${caps.binary}' has no default`);
  }
  const ctx: ArgvContext = {
    def,
    opts,
    caps,
    machine,
    q35: isQ35(machine),
    aliases: deviceAliases(def),
    args: [],
  };
  checkTopLevel(def);
  rejectUnsupportedDevices(ctx);
  const a = ctx.args;
  a.push("-name", `guest=${kv(def.name)},debug-threads=on`);
  a.push("-S");
  a.push("-machine", machineValue(ctx));
  const cpu = cpuValue(def);
  if (cpu) a.push("-cpu", cpu);
  buildFirmware(ctx);
  a.push("-m", memoryValue(def));
  a.push("-smp", smpValue(def));
  if (def.iothreads) {
    for (const t of def.iothreads.ids) {
      a.push("-object", json({ "qom-type": "iothread", id: `iothread${t.id}` }));
    }
  }
  a.push("-uuid", def.uuid);
  if (def.genid) a.push("-device", json({ driver: "vmgenid", guid: def.genid, id: "vmgenid0" }));
  a.push("-no-user-config", "-nodefaults");
  a.push("-chardev", `socket,id=charmonitor,path=${kv(opts.paths.monitor)},server=on,wait=off`);
  a.push("-mon", "chardev=charmonitor,id=monitor,mode=control");
  buildClock(ctx);
  a.push("-no-shutdown");
  if (def.onReboot === "destroy") a.push("-no-reboot");
  buildPm(ctx);
  buildBoot(ctx);
  buildKernel(ctx);
  buildControllers(ctx);
  buildDisks(ctx);
  buildInterfaces(ctx);
  buildChardevs(ctx);
  buildInputs(ctx);
  buildGraphics(ctx);
  buildVideos(ctx);
  buildWatchdogs(ctx);
  buildMemballoon(ctx);
  buildRngs(ctx);
  buildPanics(ctx);
  if (opts.paths.pidfile) a.push("-pidfile", opts.paths.pidfile);
  a.push("-msg", "timestamp=on");
  const extra = def.namespaces?.qemu?.commandline;
  if (extra) a.push(...extra.args);
  return { binary: def.devices.emulator ?? caps.binary, args: a, env: environment(def, opts) };
}

function environment(def: DomainDef, opts: QemuArgvOptions): Record<string, string> {
  const env: Record<string, string> = {
    LC_ALL: "C",
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  };
  const home = opts.paths.home;
  if (home) {
    Object.assign(env, {
      HOME: home,
      XDG_DATA_HOME: `${home}/.local/share`,
      XDG_CACHE_HOME: `${home}/.cache`,
      XDG_CONFIG_HOME: `${home}/.config`,
    });
  }
  if (def.clock?.offset === "timezone" && def.clock.timezone) env.TZ = def.clock.timezone;
  for (const e of def.namespaces?.qemu?.commandline?.env ?? []) env[e.name] = e.value ?? "";
  return env;
}

/** Rejects domain-level settings the driver does not run. */
function checkTopLevel(def: DomainDef): void {
  if (def.type !== "qemu" && def.type !== "kvm") {
    throw reject(
      `<domain type='${def.type}'>`,
      "the QEMU driver runs only domains of type 'qemu' or 'kvm'",
    );
  }
  if (def.os.type !== "hvm") {
    throw reject(`<os><type>${def.os.type}</type>`, "QEMU runs only 'hvm' guests");
  }
  const mb = def.memoryBacking;
  if (mb && Object.values(mb).some((v) => v !== undefined)) {
    throw reject("<memoryBacking>", "not supported by the QEMU driver");
  }
  if (def.cpu?.numa) {
    throw reject("<cpu><numa>", "guest NUMA topology is not supported by the QEMU driver");
  }
  if (def.bootloader !== undefined) {
    throw reject("<bootloader>", "not supported by the QEMU driver");
  }
  if (def.launchSecurity) throw reject("<launchSecurity>", "not supported by the QEMU driver");
  if (def.keywrap) throw reject("<keywrap>", "not supported by the QEMU driver");
  if (def.os.acpiTables.length) {
    throw reject("<os><acpi><table>", "not supported by the QEMU driver");
  }
  if (def.os.smbiosMode === "host" || def.os.smbiosMode === "sysinfo") {
    throw reject(`<os><smbios mode='${def.os.smbiosMode}'>`, "not supported by the QEMU driver");
  }
  if (def.os.bios?.useSerial === "yes") {
    throw reject("<os><bios useserial='yes'>", "the serial BIOS console is not supported");
  }
  if (def.namespaces?.qemu?.capabilities || def.namespaces?.qemu?.deprecation) {
    throw reject("<qemu:capabilities>", "not supported by the QEMU driver");
  }
}

const SUPPORTED_FEATURES = new Set(["acpi", "apic", "pae", "smm", "vmport", "pmu"]);

function machineValue(ctx: ArgvContext): string {
  const def = ctx.def;
  const parts = [kv(ctx.machine), `accel=${def.type === "kvm" ? "kvm" : "tcg"}`, "usb=off"];
  parts.push(`dump-guest-core=${def.memory.dumpCore ?? "off"}`);
  const f = def.features ?? {};
  for (const [name, value] of Object.entries(f)) {
    if (value !== undefined && !SUPPORTED_FEATURES.has(name)) {
      throw reject(`<features><${name}>`, "not supported by the QEMU driver");
    }
  }
  if (f.apic?.eoi) throw reject("<features><apic eoi>", "not supported by the QEMU driver");
  if (!f.acpi) parts.push("acpi=off");
  const secure = def.os.loader?.secure === "yes";
  if (f.smm) {
    if (f.smm.tsegBytes) throw reject("<features><smm><tseg>", "not supported by the QEMU driver");
    if (secure && f.smm.state === "off") {
      throw reject("<features><smm state='off'>", "secure boot needs SMM");
    }
    parts.push(`smm=${f.smm.state}`);
  } else if (secure) {
    parts.push("smm=on");
  }
  if (f.vmport) parts.push(`vmport=${f.vmport}`);
  return parts.join(",");
}

function cpuValue(def: DomainDef): string | undefined {
  const cpu = def.cpu;
  const extra: string[] = [];
  if (def.features?.pmu) extra.push(`pmu=${def.features.pmu}`);
  if (!cpu || (!cpu.model && cpu.mode === "custom")) {
    if (cpu?.features.length) throw reject("<cpu><feature>", "features need a <model>");
    return extra.length ? ["qemu64", ...extra].join(",") : undefined;
  }
  if (cpu.cache) throw reject("<cpu><cache>", "not supported by the QEMU driver");
  if (cpu.maxPhysAddr) throw reject("<cpu><maxphysaddr>", "not supported by the QEMU driver");
  let model: string;
  switch (cpu.mode) {
    case "host-passthrough":
    case "host-model":
      model = "host";
      if (cpu.migratable) extra.push(`migratable=${cpu.migratable}`);
      break;
    case "maximum":
      model = "max";
      if (cpu.migratable) extra.push(`migratable=${cpu.migratable}`);
      break;
    default:
      model = cpu.model!;
  }
  if (cpu.vendorId) extra.push(`vendor=${cpu.vendorId}`);
  for (const f of cpu.features) {
    const on = f.policy === "force" || f.policy === "require" || f.policy === "optional";
    extra.push(`${f.name}=${on ? "on" : "off"}`);
  }
  return [kv(model), ...extra].join(",");
}

function memoryValue(def: DomainDef): string {
  const m = def.memory;
  const parts = [`size=${m.total}k`];
  if (m.max && m.slots) parts.push(`slots=${m.slots}`, `maxmem=${m.max}k`);
  return parts.join(",");
}

function smpValue(def: DomainDef): string {
  const v = def.vcpu;
  const t = def.cpu?.topology;
  const parts = [String(v.current)];
  if (v.current !== v.max) parts.push(`maxcpus=${v.max}`);
  if (t) {
    if (t.sockets * t.dies * t.cores * t.threads !== v.max) {
      throw reject(
        "<cpu><topology>",
        `sockets*dies*cores*threads must equal the maximum vCPU count ${v.max}`,
      );
    }
    parts.push(`sockets=${t.sockets}`);
    if (t.dies > 1) parts.push(`dies=${t.dies}`);
    parts.push(`cores=${t.cores}`, `threads=${t.threads}`);
  } else {
    parts.push(`sockets=${v.max}`, "cores=1", "threads=1");
  }
  return parts.join(",");
}

/** BIOS (the default), a ROM image (`-bios`), or pflash firmware with its nvram. */
function buildFirmware(ctx: ArgvContext): void {
  const os = ctx.def.os;
  const loader = os.loader;
  if (!loader?.path) {
    if (os.firmware === "efi") {
      throw reject(
        "<os firmware='efi'>",
        "firmware autoselection is the driver's job: the definition needs a <loader> path",
      );
    }
    if (os.nvram) throw reject("<os><nvram>", "an nvram needs a pflash <loader>");
    return;
  }
  const type = loader.type ?? (os.nvram ? "pflash" : "rom");
  if (type === "rom") {
    if (os.nvram) throw reject("<os><nvram>", "an nvram needs a pflash <loader>");
    ctx.args.push("-bios", loader.path);
    return;
  }
  const readonly = loader.readonly !== "no";
  ctx.args.push(
    "-drive",
    `file=${kv(loader.path)},if=pflash,format=${loader.format ?? "raw"},unit=0${
      readonly ? ",readonly=on" : ""
    }`,
  );
  if (loader.secure === "yes") {
    if (!ctx.q35) throw reject("<os><loader secure='yes'>", "secure boot needs a Q35 machine");
    ctx.args.push("-global", "driver=cfi.pflash01,property=secure,value=on");
  }
  if (loader.stateless === "yes") {
    if (os.nvram) throw reject("<os><nvram>", "a stateless loader has no nvram");
    return;
  }
  if (os.nvram) {
    if (!os.nvram.path) {
      throw reject(
        "<os><nvram>",
        "the nvram path must be set (the driver copies the template there)",
      );
    }
    ctx.args.push(
      "-drive",
      `file=${kv(os.nvram.path)},if=pflash,format=${os.nvram.format ?? "raw"},unit=1`,
    );
  } else if (readonly) {
    throw reject("<os><loader type='pflash'>", "a read-only pflash loader needs an <nvram>");
  }
}

function buildClock(ctx: ArgvContext): void {
  const c = ctx.def.clock;
  const parts: string[] = [];
  let base = "utc";
  if (c) {
    switch (c.offset) {
      case "utc":
        break;
      case "localtime":
      case "timezone":
        base = "localtime";
        break;
      case "variable": {
        const now = ctx.opts.now ?? Date.now();
        const t = now + (c.adjustment ?? 0) * 1000;
        const localOffset = c.basis === "localtime"
          ? -new Date(now).getTimezoneOffset() * 60_000
          : 0;
        base = new Date(t + localOffset).toISOString().slice(0, 19);
        break;
      }
      case "absolute":
        base = new Date((c.start ?? 0) * 1000).toISOString().slice(0, 19);
        break;
    }
  }
  parts.push(`base=${base}`);
  for (const t of c?.timers ?? []) {
    const el = `<clock><timer name='${t.name}'>`;
    if (t.frequency !== undefined || t.mode !== undefined || t.catchup) {
      throw reject(el, "frequency, mode and catchup are not supported");
    }
    switch (t.name) {
      case "rtc":
        if (t.track === "guest") parts.push("clock=vm");
        else if (t.track === "wall" || t.track === "realtime") parts.push("clock=host");
        else if (t.track) throw reject(el, `track '${t.track}' is not supported`);
        if (t.tickpolicy === "catchup") parts.push("driftfix=slew");
        else if (t.tickpolicy && t.tickpolicy !== "delay") {
          throw reject(el, `tickpolicy '${t.tickpolicy}' is not supported`);
        }
        if (t.present === "no") throw reject(el, "the RTC cannot be removed");
        break;
      case "pit": {
        if (t.present === "no") throw reject(el, "the PIT cannot be removed");
        if (!t.tickpolicy) break;
        const policy =
          { delay: "delay", catchup: "slew", discard: "discard", merge: undefined }[t.tickpolicy];
        if (!policy) throw reject(el, `tickpolicy '${t.tickpolicy}' is not supported`);
        if (ctx.def.type !== "kvm") {
          throw reject(el, "a PIT tick policy needs a domain of type 'kvm'");
        }
        ctx.args.push("-global", `kvm-pit.lost_tick_policy=${policy}`);
        break;
      }
      case "hpet":
        if (t.tickpolicy || t.track) throw reject(el, "only 'present' is supported");
        if (t.present === "no") ctx.args.push("-no-hpet");
        break;
      default:
        if (t.present !== undefined || t.tickpolicy || t.track) {
          throw reject(el, "this timer is not supported by the QEMU driver");
        }
    }
  }
  ctx.args.push("-rtc", parts.join(","));
}

function buildPm(ctx: ArgvContext): void {
  const pm = ctx.def.pm;
  if (!pm) return;
  const dev = ctx.q35 ? "ICH9-LPC" : "PIIX4_PM";
  if (pm.suspendToMem) {
    ctx.args.push("-global", `${dev}.disable_s3=${pm.suspendToMem === "yes" ? 0 : 1}`);
  }
  if (pm.suspendToDisk) {
    ctx.args.push("-global", `${dev}.disable_s4=${pm.suspendToDisk === "yes" ? 0 : 1}`);
  }
}

const BOOT_LETTERS = { fd: "a", hd: "c", cdrom: "d", network: "n" } as const;

function buildBoot(ctx: ArgvContext): void {
  const os = ctx.def.os;
  const parts: string[] = [];
  if (os.bootDevices.length) {
    parts.push(`order=${os.bootDevices.map((b) => BOOT_LETTERS[b]).join("")}`);
  } else parts.push("strict=on");
  if (os.bootMenu?.enable === "yes") {
    parts.push("menu=on");
    if (os.bootMenu.timeout !== undefined) parts.push(`splash-time=${os.bootMenu.timeout}`);
  }
  if (os.bios?.rebootTimeout !== undefined) parts.push(`reboot-timeout=${os.bios.rebootTimeout}`);
  ctx.args.push("-boot", parts.join(","));
}

function buildKernel(ctx: ArgvContext): void {
  const os = ctx.def.os;
  if (os.kernel) ctx.args.push("-kernel", os.kernel);
  else if (os.initrd || os.cmdline) {
    throw reject("<os><initrd>", "an initrd or command line needs a <kernel>");
  }
  if (os.initrd) ctx.args.push("-initrd", os.initrd);
  if (os.cmdline) ctx.args.push("-append", os.cmdline);
  if (os.dtb) ctx.args.push("-dtb", os.dtb);
}
