/**
 * Host capabilities: what a driver's host offers (processor, memory
 * topology, security models) and which guests it can run, formatted as
 * libvirt's `<capabilities>` document (`virsh capabilities`).
 *
 * @example
 * ```ts
 * const xml = formatCapabilities({
 *   host: { cpu: { arch: "x86_64", features: [], pageSizes: [4] }, powerManagement: [], secModels: [] },
 *   guests: [],
 * });
 * ```
 * @module
 */
import { XmlWriter } from "../xml/mod.ts";

/** One CPU of a NUMA cell. */
export interface CapsCellCpu {
  id: number;
  socketId: number;
  dieId: number;
  coreId: number;
  /** CPU list of the thread siblings, e.g. `0` or `0,8`. */
  siblings: string;
}

/** A NUMA cell of the host. */
export interface CapsCell {
  id: number;
  /** Memory in KiB. */
  memory: number;
  /** Free pages by page size (KiB). */
  pages: { size: number; count: number }[];
  /** Distances to other cells, when known. */
  distances?: { id: number; value: number }[];
  cpus: CapsCellCpu[];
}

/** A security model the host enforces. */
export interface CapsSecModel {
  model: string;
  doi: string;
  /** Base labels by domain type. */
  baseLabels?: { type: string; label: string }[];
}

/** The `<host>` half of the capabilities. */
export interface CapsHost {
  uuid?: string;
  cpu: {
    arch: string;
    /** Old-style host CPU flags (`<features><pae/></features>`). */
    features: string[];
    /** Supported page sizes in KiB. */
    pageSizes: number[];
    /** The named CPU model closest to the host's. */
    model?: string;
    vendor?: string;
    microcode?: number;
    signature?: { family: number; model: number; stepping: number };
    topology?: { sockets: number; dies: number; cores: number; threads: number };
    /** Physical address bits the host CPU has. */
    maxPhysAddrBits?: number;
    /** Features beyond the model's (`<feature name='...'/>`). */
    modelFeatures?: string[];
  };
  /** Supported suspend targets: `suspend_mem`, `suspend_disk`, `suspend_hybrid`. */
  powerManagement: string[];
  /** Whether an IOMMU is present; undefined leaves `<iommu>` out. */
  iommu?: boolean;
  /** Live migration and its URI transports; undefined leaves `<migration_features>` out. */
  migration?: { live: boolean; uriTransports: string[] };
  /** NUMA cells; undefined leaves `<topology>` out. */
  cells?: CapsCell[];
  secModels: CapsSecModel[];
}

/** A guest feature; old-style ones have neither `default` nor `toggle`. */
export interface CapsGuestFeature {
  name: string;
  default?: "on" | "off";
  toggle?: "yes" | "no";
}

/** A machine type an emulator offers. */
export interface CapsMachine {
  name: string;
  canonical?: string;
  maxCpus?: number;
  deprecated?: boolean;
}

/** One kind of guest the host can run. */
export interface CapsGuest {
  osType: string;
  arch: string;
  wordsize: number;
  emulator?: string;
  loader?: string;
  machines?: CapsMachine[];
  /** Domain types (`kvm`, `qemu`, `test` ...) with their own emulator or machines if they differ. */
  domains: { type: string; emulator?: string; machines?: CapsMachine[] }[];
  features: CapsGuestFeature[];
}

/** A whole capabilities document. */
export interface Capabilities {
  host: CapsHost;
  guests: CapsGuest[];
}

function formatMachines(w: XmlWriter, machines: CapsMachine[] | undefined): void {
  for (const m of machines ?? []) {
    w.text("machine", m.name, [
      ["canonical", m.canonical],
      ["maxCpus", m.maxCpus],
      ["deprecated", m.deprecated ? "yes" : undefined],
    ]);
  }
}

/** The host CPU's model, identity, topology and extra features, in libvirt's order. */
function formatCpuModel(w: XmlWriter, cpu: CapsHost["cpu"]): void {
  w.text("model", cpu.model);
  w.text("vendor", cpu.vendor);
  if (cpu.microcode !== undefined) w.elem("microcode", [["version", cpu.microcode]]);
  const sig = cpu.signature;
  if (sig) {
    w.elem("signature", [["family", sig.family], ["model", sig.model], ["stepping", sig.stepping]]);
  }
  const t = cpu.topology;
  if (t) {
    w.elem("topology", [
      ["sockets", t.sockets],
      ["dies", t.dies],
      ["cores", t.cores],
      ["threads", t.threads],
    ]);
  }
  if (cpu.maxPhysAddrBits !== undefined) {
    w.elem("maxphysaddr", [["mode", "emulate"], ["bits", cpu.maxPhysAddrBits]]);
  }
  for (const f of cpu.modelFeatures ?? []) w.elem("feature", [["name", f]]);
}

function formatHost(w: XmlWriter, h: CapsHost): void {
  w.elem("host", null, (w) => {
    w.text("uuid", h.uuid);
    w.elem("cpu", null, (w) => {
      w.text("arch", h.cpu.arch);
      if (h.cpu.features.length) {
        w.elem("features", null, (w) => h.cpu.features.forEach((f) => w.elem(f)));
      }
      formatCpuModel(w, h.cpu);
      for (const size of h.cpu.pageSizes) w.elem("pages", [["unit", "KiB"], ["size", size]]);
    });
    w.elem("power_management", null, (w) => h.powerManagement.forEach((p) => w.elem(p)));
    if (h.iommu !== undefined) w.elem("iommu", [["support", h.iommu ? "yes" : "no"]]);
    if (h.migration) {
      const m = h.migration;
      w.elem("migration_features", null, (w) => {
        if (m.live) w.elem("live");
        if (m.uriTransports.length) {
          w.elem("uri_transports", null, (w) => {
            for (const t of m.uriTransports) w.text("uri_transport", t);
          });
        }
      });
    }
    if (h.cells) {
      const cells = h.cells;
      w.elem("topology", null, (w) => {
        w.block("cells", [["num", cells.length]], (w) => cells.forEach((c) => formatCell(w, c)));
      });
    }
    for (const s of h.secModels) {
      w.elem("secmodel", null, (w) => {
        w.text("model", s.model);
        w.text("doi", s.doi);
        for (const b of s.baseLabels ?? []) w.text("baselabel", b.label, [["type", b.type]]);
      });
    }
  });
}

function formatCell(w: XmlWriter, c: CapsCell): void {
  w.elem("cell", [["id", c.id]], (w) => {
    w.text("memory", c.memory, [["unit", "KiB"]]);
    for (const p of c.pages) w.text("pages", p.count, [["unit", "KiB"], ["size", p.size]]);
    if (c.distances?.length) {
      w.elem(
        "distances",
        null,
        (w) => c.distances!.forEach((d) => w.elem("sibling", [["id", d.id], ["value", d.value]])),
      );
    }
    w.elem("cpus", [["num", c.cpus.length]], (w) => {
      for (const cpu of c.cpus) {
        w.elem("cpu", [
          ["id", cpu.id],
          ["socket_id", cpu.socketId],
          ["die_id", cpu.dieId],
          ["core_id", cpu.coreId],
          ["siblings", cpu.siblings],
        ]);
      }
    });
  });
}

function formatGuest(w: XmlWriter, g: CapsGuest): void {
  w.elem("guest", null, (w) => {
    w.text("os_type", g.osType);
    w.elem("arch", [["name", g.arch]], (w) => {
      w.text("wordsize", g.wordsize);
      w.text("emulator", g.emulator);
      w.text("loader", g.loader);
      formatMachines(w, g.machines);
      for (const d of g.domains) {
        w.elem("domain", [["type", d.type]], (w) => {
          w.text("emulator", d.emulator);
          formatMachines(w, d.machines);
        });
      }
    });
    if (g.features.length) {
      w.elem(
        "features",
        null,
        (w) =>
          g.features.forEach((f) => w.elem(f.name, [["default", f.default], ["toggle", f.toggle]])),
      );
    }
  });
}

/**
 * Formats capabilities as libvirt writes them: `<host>` then each `<guest>`,
 * every section preceded by a blank line.
 */
export function formatCapabilities(caps: Capabilities): string {
  const parts = [caps.host, ...caps.guests].map((section, i) => {
    const w = new XmlWriter(2);
    if (i === 0) formatHost(w, section as CapsHost);
    else formatGuest(w, section as CapsGuest);
    return w.toString();
  });
  return `<capabilities>\n\n${parts.join("\n")}\n</capabilities>\n`;
}
