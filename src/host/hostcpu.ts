/**
 * The host CPU from `/proc/cpuinfo` and sysfs: architecture, vendor,
 * family/model/stepping, microcode, flags, physical address bits, topology,
 * and a guess at the named CPU model (QEMU's names) it is closest to.
 * @module
 */
import { type HostRoots, listDir, parseCpuList, readAttr, readCpuinfo, readInt } from "./sysfs.ts";

/** What the host CPU reports about itself. */
export interface HostCpuInfo {
  /** libvirt's name of the host architecture (`x86_64`, `aarch64`, ...). */
  arch: string;
  /** `Intel`, `AMD`, `Hygon`, or undefined when unknown. */
  vendor?: string;
  family?: number;
  model?: number;
  stepping?: number;
  microcode?: number;
  /** CPU flags as the kernel names them (`avx2`, `vmx`, ...). */
  flags: Set<string>;
  physAddrBits?: number;
  /** Clock of the first CPU in MHz, when reported. */
  mhz?: number;
}

/** One online CPU's place in the topology. */
export interface CpuPlace {
  id: number;
  socketId: number;
  dieId: number;
  coreId: number;
  /** Its thread siblings, including itself. */
  siblings: number[];
}

/** The architecture of this process's host, in libvirt's names. */
export function hostArch(): string {
  const a: string = Deno.build.arch;
  return a === "aarch64" ? "aarch64" : a === "x86_64" ? "x86_64" : a;
}

const VENDORS: Record<string, string> = {
  GenuineIntel: "Intel",
  AuthenticAMD: "AMD",
  HygonGenuine: "Hygon",
};

/** Reads the first processor block of `/proc/cpuinfo`. */
export async function readHostCpu(roots: HostRoots, arch = hostArch()): Promise<HostCpuInfo> {
  const first = (await readCpuinfo(roots.proc))[0] ?? new Map<string, string>();
  const num = (k: string) => {
    const v = first.get(k);
    if (v === undefined) return undefined;
    const n = /^0x/i.test(v) ? parseInt(v, 16) : parseInt(v, 10);
    return Number.isNaN(n) ? undefined : n;
  };
  const phys = /(\d+) bits physical/.exec(first.get("address sizes") ?? "");
  const mhz = parseFloat(first.get("cpu MHz") ?? "");
  return {
    arch,
    vendor: VENDORS[first.get("vendor_id") ?? ""],
    family: num("cpu family"),
    model: num("model"),
    stepping: num("stepping"),
    microcode: num("microcode"),
    flags: new Set(
      (first.get("flags") ?? first.get("Features") ?? "").split(/\s+/).filter((f) => f),
    ),
    physAddrBits: phys ? Number(phys[1]) : undefined,
    mhz: Number.isNaN(mhz) ? undefined : Math.round(mhz),
  };
}

/** Where each online CPU sits (package, die, core, thread siblings), by CPU id. */
export async function readCpuPlaces(roots: HostRoots): Promise<CpuPlace[]> {
  const base = `${roots.sys}/devices/system/cpu`;
  let ids = parseCpuList(await readAttr(`${base}/online`));
  if (!ids.length) {
    ids = (await listDir(base)).map((e) => /^cpu(\d+)$/.exec(e.name)).filter((m) => m !== null).map(
      (m) => Number(m![1]),
    );
  }
  const out: CpuPlace[] = [];
  for (const id of ids.sort((a, b) => a - b)) {
    const t = `${base}/cpu${id}/topology`;
    out.push({
      id,
      socketId: Math.max(0, await readInt(`${t}/physical_package_id`) ?? 0),
      dieId: Math.max(0, await readInt(`${t}/die_id`) ?? 0),
      coreId: await readInt(`${t}/core_id`) ?? id,
      siblings: parseCpuList(await readAttr(`${t}/thread_siblings_list`) ?? String(id)),
    });
  }
  return out;
}

/** Sockets, dies per socket, cores per die and threads per core of a set of CPUs. */
export function topologyOf(
  places: CpuPlace[],
): { sockets: number; dies: number; cores: number; threads: number } {
  if (!places.length) return { sockets: 1, dies: 1, cores: 1, threads: 1 };
  const sockets = new Set(places.map((p) => p.socketId)).size;
  const dies = new Set(places.map((p) => `${p.socketId}/${p.dieId}`)).size;
  const cores = new Set(places.map((p) => `${p.socketId}/${p.dieId}/${p.coreId}`)).size;
  return {
    sockets,
    dies: Math.max(1, Math.round(dies / sockets)),
    cores: Math.max(1, Math.round(cores / dies)),
    threads: Math.max(1, Math.round(places.length / cores)),
  };
}

/** x86 models from newest to oldest, each with flags that set it apart from the older ones. */
const X86_MODELS: { name: string; vendor: string; needs: string[] }[] = [
  { name: "EPYC-Genoa", vendor: "AMD", needs: ["avx512f", "avx512_bf16", "vaes"] },
  { name: "EPYC-Milan", vendor: "AMD", needs: ["vaes", "vpclmulqdq", "fsrm"] },
  { name: "EPYC-Rome", vendor: "AMD", needs: ["clwb", "umip", "rdpid"] },
  { name: "EPYC", vendor: "AMD", needs: ["sha_ni", "clzero"] },
  { name: "Opteron_G5", vendor: "AMD", needs: ["fma4", "tbm"] },
  { name: "Opteron_G4", vendor: "AMD", needs: ["fma4", "xop"] },
  { name: "Opteron_G3", vendor: "AMD", needs: ["sse4a", "misalignsse"] },
  { name: "Opteron_G2", vendor: "AMD", needs: ["cx16", "lahf_lm"] },
  { name: "Opteron_G1", vendor: "AMD", needs: ["sse2"] },
  { name: "Dhyana", vendor: "Hygon", needs: ["sha_ni"] },
  { name: "SapphireRapids", vendor: "Intel", needs: ["amx_tile", "avx512_bf16"] },
  { name: "Cooperlake", vendor: "Intel", needs: ["avx512_bf16", "avx512_vnni"] },
  { name: "Icelake-Server", vendor: "Intel", needs: ["avx512_vbmi2", "avx512_vnni", "avx512f"] },
  { name: "Cascadelake-Server", vendor: "Intel", needs: ["avx512_vnni", "avx512f"] },
  { name: "Skylake-Server", vendor: "Intel", needs: ["avx512f"] },
  { name: "Skylake-Client", vendor: "Intel", needs: ["xsavec", "clflushopt"] },
  { name: "Broadwell", vendor: "Intel", needs: ["adx", "rdseed"] },
  { name: "Haswell", vendor: "Intel", needs: ["avx2", "fma"] },
  { name: "IvyBridge", vendor: "Intel", needs: ["f16c", "rdrand"] },
  { name: "SandyBridge", vendor: "Intel", needs: ["avx"] },
  { name: "Westmere", vendor: "Intel", needs: ["aes", "pclmulqdq"] },
  { name: "Nehalem", vendor: "Intel", needs: ["sse4_2", "popcnt"] },
  { name: "Penryn", vendor: "Intel", needs: ["sse4_1"] },
  { name: "Conroe", vendor: "Intel", needs: ["ssse3"] },
];

/**
 * The named model closest to the host CPU: the newest model of its vendor
 * whose distinguishing flags the host has, limited to `available` (an
 * emulator's models) when given; `qemu64` when none fits. Only x86 is
 * guessed; other architectures get undefined.
 */
export function guessCpuModel(cpu: HostCpuInfo, available?: Set<string>): string | undefined {
  if (cpu.arch !== "x86_64" && cpu.arch !== "i686") return undefined;
  for (const m of X86_MODELS) {
    if (m.vendor !== cpu.vendor || (available && !available.has(m.name))) continue;
    if (m.needs.every((f) => cpu.flags.has(f))) return m.name;
  }
  return "qemu64";
}

/** The vendor of a named x86 model, as libvirt's `vendor` attribute shows it (`unknown` for generic ones). */
export function modelVendor(name: string): string {
  const known = X86_MODELS.find((m) =>
    m.name === name.replace(/-v\d+$/, "") || name.startsWith(m.name + "-")
  );
  if (known) return known.vendor;
  if (/^(Opteron|EPYC|phenom|athlon)/.test(name)) return "AMD";
  if (/^(Dhyana)/.test(name)) return "Hygon";
  if (
    /^(core|coreduo|n270|Conroe|Penryn|Nehalem|Westmere|SandyBridge|IvyBridge|Haswell|Broadwell|Skylake|Cascadelake|Cooperlake|Icelake|Snowridge|Denverton|KnightsMill|pentium)/
      .test(name)
  ) {
    return "Intel";
  }
  return "unknown";
}
