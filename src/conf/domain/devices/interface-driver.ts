/**
 * The host-side tuning elements of a guest interface: the virtio-net
 * `<driver>` with its `<host>`/`<guest>` offloads, `<backend>`,
 * `<filterref>`, `<coalesce>` and `<teaming>`.
 * @module
 */
import type { Attr, XmlReader, XmlWriter } from "../../../xml/mod.ts";

type OnOff = "on" | "off";

/** Host-side offloads of `<driver><host>`. */
export interface NetHostOffloads {
  csum?: OnOff;
  gso?: OnOff;
  tso4?: OnOff;
  tso6?: OnOff;
  ecn?: OnOff;
  ufo?: OnOff;
  mrg_rxbuf?: OnOff;
}

/** Guest-side offloads of `<driver><guest>`. */
export interface NetGuestOffloads {
  csum?: OnOff;
  tso4?: OnOff;
  tso6?: OnOff;
  ecn?: OnOff;
  ufo?: OnOff;
}

/** The virtio-net `<driver>` settings (virtio models only). */
export interface NetDriverDef {
  name?: "qemu" | "vhost";
  txmode?: "iothread" | "timer";
  ioeventfd?: OnOff;
  event_idx?: OnOff;
  /** Queue count; 1 (the implicit minimum) is dropped. */
  queues?: number;
  rx_queue_size?: number;
  tx_queue_size?: number;
  rss?: OnOff;
  rss_hash_report?: OnOff;
  host?: NetHostOffloads;
  guest?: NetGuestOffloads;
}

const HOST_KEYS = ["csum", "gso", "tso4", "tso6", "ecn", "ufo", "mrg_rxbuf"] as const;
const GUEST_KEYS = ["csum", "tso4", "tso6", "ecn", "ufo"] as const;

function switches<K extends string>(
  r: XmlReader | undefined,
  keys: readonly K[],
): Partial<Record<K, OnOff>> | undefined {
  if (!r) return undefined;
  const out: Partial<Record<K, OnOff>> = {};
  for (const k of keys) {
    const v = r.enum(k, ["on", "off"]);
    if (v) out[k] = v;
  }
  return out;
}

/** Parses the virtio-net attributes and offload children of `<driver>`. */
export function parseNetDriver(r: XmlReader): NetDriverDef {
  const queues = r.uint("queues");
  return {
    name: r.enum("name", ["qemu", "vhost"]),
    txmode: r.enum("txmode", ["iothread", "timer"]),
    ioeventfd: r.enum("ioeventfd", ["on", "off"]),
    event_idx: r.enum("event_idx", ["on", "off"]),
    queues: queues === 1 ? undefined : queues,
    rx_queue_size: r.uint("rx_queue_size"),
    tx_queue_size: r.uint("tx_queue_size"),
    rss: r.enum("rss", ["on", "off"]),
    rss_hash_report: r.enum("rss_hash_report", ["on", "off"]),
    host: switches(r.child("host"), HOST_KEYS),
    guest: switches(r.child("guest"), GUEST_KEYS),
  };
}

/** The virtio-net `<driver>` attributes in libvirt's order (virtio switches follow). */
export function netDriverAttrs(d: NetDriverDef | undefined): Attr[] {
  return [
    ["name", d?.name],
    ["txmode", d?.txmode],
    ["ioeventfd", d?.ioeventfd],
    ["event_idx", d?.event_idx],
    ["queues", d?.queues || undefined],
    ["rx_queue_size", d?.rx_queue_size || undefined],
    ["tx_queue_size", d?.tx_queue_size || undefined],
    ["rss", d?.rss],
    ["rss_hash_report", d?.rss_hash_report],
  ];
}

/** Writes the `<host>` and `<guest>` offload children of `<driver>`. */
export function formatNetOffloads(w: XmlWriter, d: NetDriverDef | undefined): void {
  w.group("host", HOST_KEYS.map((k) => [k, d?.host?.[k]] as const), () => {});
  w.group("guest", GUEST_KEYS.map((k) => [k, d?.guest?.[k]] as const), () => {});
}

/** `<backend>`: host-side device nodes and the passt user-mode backend. */
export interface NetBackendDef {
  type?: "passt";
  tap?: string;
  /** vhost-net device node (kept for virtio models only). */
  vhost?: string;
  logFile?: string;
}

/** Parses `<backend>`; `virtio` tells whether a vhost node applies. */
export function parseNetBackend(r: XmlReader, virtio: boolean): NetBackendDef {
  const vhost = r.attr("vhost");
  return {
    type: r.enum("type", ["passt"]),
    tap: r.attr("tap"),
    vhost: virtio ? vhost : undefined,
    logFile: r.attr("logFile"),
  };
}

/** Writes `<backend>` when it has a setting. */
export function formatNetBackend(w: XmlWriter, b: NetBackendDef | undefined): void {
  if (!b) return;
  w.group(
    "backend",
    [["type", b.type], ["tap", b.tap], ["vhost", b.vhost], ["logFile", b.logFile]],
    () => {},
  );
}

/** `<filterref>`: an nwfilter with its variables. */
export interface FilterRefDef {
  filter: string;
  /** Variables by name (sorted when written), each with its values in document order. */
  params: Map<string, string[]>;
}

const PARAM_NAME = /^[a-zA-Z0-9_]+$/;
const PARAM_VALUE = /^[a-zA-Z0-9_.:]+$/;

/**
 * Parses `<filterref>`. Like libvirt, a `<parameter>` with a missing or
 * malformed name or value is skipped; a repeated name collects a list.
 * Returns undefined when no filter is named.
 */
export function parseFilterRef(r: XmlReader): FilterRefDef | undefined {
  const filter = r.attr("filter");
  const params = new Map<string, string[]>();
  for (const p of r.children("parameter")) {
    const name = p.attr("name");
    const value = p.attr("value");
    if (
      name === undefined || value === undefined || !PARAM_NAME.test(name) ||
      !PARAM_VALUE.test(value)
    ) continue;
    const list = params.get(name);
    if (list) list.push(value);
    else params.set(name, [value]);
  }
  return filter === undefined ? undefined : { filter, params };
}

/** Writes `<filterref>` with its parameters sorted by name. */
export function formatFilterRef(w: XmlWriter, f: FilterRefDef | undefined): void {
  if (!f) return;
  const names = [...f.params.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  w.elem(
    "filterref",
    [["filter", f.filter]],
    names.length
      ? (w) => {
        for (const n of names) {
          for (const v of f.params.get(n)!) {
            w.elem("parameter", [
              ["name", n],
              ["value", v],
            ]);
          }
        }
      }
      : undefined,
  );
}

/** Parses `<coalesce>`, returning the `rx/frames/@max` value (undefined when absent). */
export function parseCoalesce(r: XmlReader): number | undefined {
  const frames = r.child("rx")?.child("frames");
  const max = frames?.uint("max");
  if (max !== undefined && max > 0xffffffff) {
    throw frames!.error(
      `value '${max}' is too big for coalesce parameter 'max', maximum is '${0xffffffff}'`,
    );
  }
  return max;
}

/** Writes `<coalesce>` for a non-zero frame count. */
export function formatCoalesce(w: XmlWriter, rxMaxFrames: number | undefined): void {
  if (!rxMaxFrames) return;
  w.elem(
    "coalesce",
    null,
    (w) => w.elem("rx", null, (w) => w.elem("frames", [["max", rxMaxFrames]])),
  );
}

/** `<teaming>`: failover pairing of a virtio interface with a hostdev one. */
export interface TeamingDef {
  type: "persistent" | "transient";
  /** Alias of the persistent partner (transient members only). */
  persistent?: string;
}

/** Parses `<teaming>`. */
export function parseTeaming(r: XmlReader): TeamingDef {
  return { type: r.reqEnum("type", ["persistent", "transient"]), persistent: r.attr("persistent") };
}

/** Writes `<teaming>`. */
export function formatTeaming(w: XmlWriter, t: TeamingDef | undefined): void {
  if (t) w.elem("teaming", [["type", t.type], ["persistent", t.persistent]]);
}
