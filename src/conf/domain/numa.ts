/**
 * Guest NUMA topology (`<cpu><numa>`): cells with their vCPUs and memory,
 * SLIT distances, and the ACPI HMAT memory-side caches and interconnects.
 * @module
 */
import { VirtError } from "../../errors.ts";
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import { formatBitmap, parseBitmap } from "../bitmap.ts";
import { scaledBytes } from "./scaled.ts";

/** Distance of a cell to itself (ACPI SLIT). */
const LOCAL_DISTANCE = 10;
/** Largest distance, meaning unreachable. */
const UNREACHABLE = 255;

/** Cache associativity of an HMAT memory-side cache. */
export const NUMA_CACHE_ASSOCIATIVITIES = ["none", "direct", "full"] as const;
/** Write policy of an HMAT memory-side cache. */
export const NUMA_CACHE_POLICIES = ["none", "writeback", "writethrough"] as const;
/** What an interconnect value measures. */
export const NUMA_ACCESS_TYPES = ["access", "read", "write"] as const;

/** A memory-side cache of a cell (`<cell><cache>`). */
export interface NumaCacheDef {
  level: number;
  associativity: (typeof NUMA_CACHE_ASSOCIATIVITIES)[number];
  policy: (typeof NUMA_CACHE_POLICIES)[number];
  /** Cache size in KiB. */
  sizeKiB: number;
  /** Cache line size in bytes. */
  lineBytes: number;
}

/** One guest NUMA cell; its id is its index in {@link NumaDef.cells}. */
export interface NumaCellDef {
  /** vCPUs of the cell; absent for a CPU-less cell. */
  cpus?: number[];
  /** Memory in KiB. */
  memory: number;
  memAccess?: "shared" | "private";
  discard?: "yes" | "no";
  /** Distance to each cell by id; `undefined` where none was given. */
  distances?: (number | undefined)[];
  caches: NumaCacheDef[];
}

/** A latency or bandwidth between two cells (`<interconnects>`). */
export interface NumaInterconnectDef {
  kind: "latency" | "bandwidth";
  initiator: number;
  target: number;
  /** Cache level of the target; 0 means its memory. */
  cache: number;
  type: (typeof NUMA_ACCESS_TYPES)[number];
  /** Nanoseconds for a latency, KiB/s for a bandwidth. */
  value: number;
}

/** `<numa>`. */
export interface NumaDef {
  cells: NumaCellDef[];
  interconnects: NumaInterconnectDef[];
}

function scaled(
  r: XmlReader,
  value: string | undefined,
  unit: string | undefined,
  what: string,
  defaultScale: number,
): number {
  if (value === undefined) throw r.error(`missing attribute 'value' of ${what}`);
  return scaledBytes(r, value, unit, defaultScale, what);
}

function parseDistances(cell: XmlReader, cells: NumaCellDef[], id: number): void {
  const d = cell.child("distances");
  if (!d) return;
  const siblings = d.children("sibling");
  if (!siblings.length) throw d.error("NUMA <distances> given without any <sibling>");
  const table = (c: number) => {
    if (!cells[c].distances) {
      cells[c].distances = new Array(cells.length).fill(undefined);
      cells[c].distances![c] = LOCAL_DISTANCE;
    }
    return cells[c].distances!;
  };
  for (const s of siblings) {
    const sid = s.reqUint("id");
    if (sid >= cells.length) {
      throw s.error(`sibling id ${sid} does not refer to a NUMA cell of cell ${id}`);
    }
    const value = s.reqUint("value");
    if (
      value < LOCAL_DISTANCE || value > UNREACHABLE || (sid === id && value !== LOCAL_DISTANCE) ||
      (sid !== id && value === LOCAL_DISTANCE)
    ) {
      throw s.error(`invalid distance value ${value} for sibling ${sid} of NUMA cell ${id}`);
    }
    table(id)[sid] = value;
    const back = table(sid);
    back[id] ??= value;
  }
}

function parseCaches(cell: XmlReader): NumaCacheDef[] {
  return cell.children("cache").map((c) => {
    const level = c.reqUint("level");
    if (level === 0) throw c.error("invalid NUMA cache level '0'");
    const size = c.child("size");
    const line = c.child("line");
    if (!size) throw c.error("missing <size> of NUMA cache");
    if (!line) throw c.error("missing <line> of NUMA cache");
    return {
      level,
      associativity: c.reqEnum("associativity", NUMA_CACHE_ASSOCIATIVITIES),
      policy: c.reqEnum("policy", NUMA_CACHE_POLICIES),
      sizeKiB: Math.ceil(
        scaled(size, size.attr("value"), size.attr("unit"), "NUMA cache size", 1024) / 1024,
      ),
      lineBytes: scaled(line, line.attr("value"), line.attr("unit"), "NUMA cache line size", 1),
    };
  });
}

function parseCell(c: XmlReader, cells: (NumaCellDef | undefined)[], index: number): number {
  const id = c.uint("id") ?? index;
  if (id >= cells.length) {
    throw c.error("NUMA cell ids must be unique and run from 0 to the number of cells minus one");
  }
  if (cells[id]) throw c.error(`duplicate NUMA cell id '${id}'`);
  const cpusText = c.attr("cpus");
  let cpus: number[] | undefined;
  if (cpusText !== undefined) {
    cpus = parseBitmap(cpusText);
    if (!cpus) throw c.error(`invalid cpus '${cpusText}'`);
    if (!cpus.length) cpus = undefined;
  }
  if (cpus) {
    cells.forEach((other, j) => {
      if (other?.cpus?.some((x) => cpus!.includes(x))) {
        throw c.error(`NUMA cells ${id} and ${j} have overlapping vCPU ids`);
      }
    });
  }
  const mem = c.attr("memory");
  if (mem === undefined) throw c.error("missing attribute 'memory'");
  cells[id] = {
    cpus,
    memory: Math.ceil(scaled(c, mem, c.attr("unit"), "memory", 1024) / 1024),
    memAccess: c.enum("memAccess", ["shared", "private"]),
    discard: c.enum("discard", ["yes", "no"]),
    caches: [],
  };
  return id;
}

function parseInterconnect(e: XmlReader): NumaInterconnectDef {
  const kind = e.name === "latency" ? "latency" : "bandwidth";
  const value = kind === "latency"
    ? e.reqUint("value")
    : Math.ceil(scaled(e, e.attr("value"), e.attr("unit"), "bandwidth", 1024) / 1024);
  return {
    kind,
    initiator: e.reqUint("initiator"),
    target: e.reqUint("target"),
    cache: e.uint("cache") ?? 0,
    type: e.reqEnum("type", NUMA_ACCESS_TYPES),
    value,
  };
}

/**
 * Parses `<numa>`. Cells without an `id` are numbered in document order;
 * a distance given one way is mirrored the other way unless given there too.
 *
 * @throws VirtError for missing cells, bad or duplicate ids, overlapping
 *   vCPUs, bad distances or cache descriptions
 */
export function parseNuma(r: XmlReader): NumaDef {
  const nodes = r.children("cell");
  if (!nodes.length) throw r.error("NUMA topology given without any <cell>");
  const slots: (NumaCellDef | undefined)[] = new Array(nodes.length).fill(undefined);
  const ids = nodes.map((c, i) => parseCell(c, slots, i));
  const cells = slots as NumaCellDef[];
  nodes.forEach((c, i) => {
    parseDistances(c, cells, ids[i]);
    cells[ids[i]].caches = parseCaches(c);
  });
  const ic = r.child("interconnects");
  const interconnects = ic
    ? ic.elements().filter((e) => e.name === "latency" || e.name === "bandwidth").map(
      parseInterconnect,
    )
    : [];
  return { cells, interconnects };
}

function formatCell(w: XmlWriter, c: NumaCellDef, id: number): void {
  w.elem("cell", [
    ["id", id],
    ["cpus", c.cpus ? formatBitmap(c.cpus) : undefined],
    ["memory", c.memory],
    ["unit", "KiB"],
    ["memAccess", c.memAccess],
    ["discard", c.discard],
  ], (w) => {
    const distances = c.distances;
    if (distances) {
      w.group("distances", null, (w) => {
        distances.forEach((v, sid) => {
          if (v !== undefined) w.elem("sibling", [["id", sid], ["value", v]]);
        });
      });
    }
    for (const k of c.caches) {
      w.elem("cache", [
        ["level", k.level],
        ["associativity", k.associativity === "none" ? undefined : k.associativity],
        ["policy", k.policy === "none" ? undefined : k.policy],
      ], (w) => {
        w.elem("size", [["value", k.sizeKiB], ["unit", "KiB"]]);
        if (k.lineBytes) w.elem("line", [["value", k.lineBytes], ["unit", "B"]]);
      });
    }
  });
}

/** Writes `<numa>` (inside `<cpu>`). */
export function formatNuma(w: XmlWriter, n: NumaDef): void {
  if (!n.cells.length) return;
  w.elem("numa", null, (w) => {
    n.cells.forEach((c, id) => formatCell(w, c, id));
    if (n.interconnects.length) {
      w.elem("interconnects", null, (w) => {
        for (const l of n.interconnects) {
          w.elem(l.kind, [
            ["initiator", l.initiator],
            ["target", l.target],
            ["cache", l.cache > 0 ? l.cache : undefined],
            ["type", l.type],
            ["value", l.value],
            ["unit", l.kind === "bandwidth" ? "KiB" : undefined],
          ]);
        }
      });
    }
  });
}

/** Total memory of all cells, in KiB. */
export function numaMemoryKiB(n: NumaDef): number {
  return n.cells.reduce((s, c) => s + c.memory, 0);
}

/**
 * The checks libvirt applies to a NUMA topology as a whole: cache levels,
 * and interconnects that refer to existing cells and caches without
 * describing one link twice.
 *
 * @throws VirtError naming the offending cell or interconnect
 */
export function validateNuma(n: NumaDef): void {
  const fail = (msg: string) => new VirtError("xml-error", "domain", msg);
  n.cells.forEach((c, id) => {
    const seen = new Set<number>();
    for (const k of c.caches) {
      if (k.level > 3) throw fail(`NUMA cell ${id}: cache level ${k.level} is greater than 3`);
      if (seen.has(k.level)) throw fail(`NUMA cell ${id}: cache level ${k.level} is defined twice`);
      seen.add(k.level);
    }
  });
  n.interconnects.forEach((l, i) => {
    if (l.initiator >= n.cells.length) {
      throw fail(`NUMA ${l.kind} initiator ${l.initiator} is not a NUMA cell`);
    }
    if (l.target >= n.cells.length) {
      throw fail(`NUMA ${l.kind} target ${l.target} is not a NUMA cell`);
    }
    if (!n.cells[l.initiator].cpus) {
      throw fail(`NUMA cell ${l.initiator} has no vCPUs and cannot be an initiator`);
    }
    if (l.cache > 0 && !n.cells[l.target].caches.some((k) => k.level === l.cache)) {
      throw fail(
        `NUMA ${l.kind} refers to cache level ${l.cache} that cell ${l.target} does not have`,
      );
    }
    for (const p of n.interconnects.slice(0, i)) {
      if (
        p.kind === l.kind && p.initiator === l.initiator && p.target === l.target &&
        p.cache === l.cache &&
        p.type === l.type
      ) {
        throw fail(`NUMA ${l.kind} from ${l.initiator} to ${l.target} is given twice`);
      }
      if (l.initiator !== l.target && l.initiator === p.target && l.target === p.initiator) {
        throw fail(`NUMA link between cells ${l.initiator} and ${l.target} is already defined`);
      }
    }
  });
}
