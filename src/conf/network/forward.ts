/**
 * `<forward>`: the forward mode, its device pool (`dev`, `<interface>`,
 * `<address>`, `<pf>`), the hostdev `<driver>` and NAT's `<nat>`.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import { FORWARD_MODES, type ForwardDef, type ForwardInterface, type NatDef, type HostPciAddress } from "./def.ts";
import { formatIp, parseIp } from "./ipaddr.ts";

/** Options of {@link parseForward} and {@link formatForward}. */
export interface ForwardContext {
  /** Persistent config only: drop live `connections` counts. */
  inactive: boolean;
}

function pciField(r: XmlReader, name: string, max: number): number {
  const v = r.attr(name);
  if (v === undefined) return 0;
  const t = v.trim();
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^0[0-7]*$/.test(t)) n = parseInt(t, 8);
  else if (/^[1-9]\d*$/.test(t)) n = Number(t);
  else throw r.error(`invalid PCI address ${name} '${v}'`);
  if (n > max) throw r.error(`invalid PCI address ${name} '${v}', it must be <= 0x${max.toString(16)}`);
  return n;
}

function parsePci(r: XmlReader): HostPciAddress {
  return {
    domain: pciField(r, "domain", 0xffffffff),
    bus: pciField(r, "bus", 0xff),
    slot: pciField(r, "slot", 0x1f),
    function: pciField(r, "function", 7),
  };
}

function pciText(a: HostPciAddress): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, "0");
  return `${h(a.domain, 4)}:${h(a.bus, 2)}:${h(a.slot, 2)}.${a.function.toString(16)}`;
}

function parseNat(r: XmlReader): NatDef {
  const nat: NatDef = { ipv6: r.yesNo("ipv6") };
  const addrs = r.children("address");
  if (addrs.length > 1) throw addrs[1].error("only one <address> is allowed in <nat>");
  if (addrs[0]) {
    const a = addrs[0];
    const start = parseIp(a.req("start"));
    if (!start || start.family !== "ipv4") throw a.error(`invalid IPv4 start address '${a.attr("start")}' in <nat>`);
    const end = parseIp(a.req("end"));
    if (!end || end.family !== "ipv4") throw a.error(`invalid IPv4 end address '${a.attr("end")}' in <nat>`);
    if (end.value < start.value) throw a.error(`NAT address range ${formatIp(start)} - ${formatIp(end)} is reversed`);
    if (start.value >> 16n !== end.value >> 16n) {
      throw a.error(`NAT address range ${formatIp(start)} - ${formatIp(end)} is too large (more than 65536 addresses)`);
    }
    nat.start = formatIp(start);
    nat.end = formatIp(end);
  }
  const ports = r.children("port");
  if (ports.length > 1) throw ports[1].error("only one <port> is allowed in <nat>");
  if (ports[0]) {
    const p = ports[0];
    const start = p.attr("start") === undefined ? undefined : p.uint("start");
    if (start === undefined || start > 65535) throw p.error("missing or invalid 'start' attribute of <port> in <nat>");
    const end = p.attr("end") === undefined ? undefined : p.uint("end");
    if (end === undefined || end > 65535 || end < start) throw p.error("missing or invalid 'end' attribute of <port> in <nat>");
    nat.portStart = start;
    nat.portEnd = end;
  }
  return nat;
}

/** Parses `<forward>` (mode `nat` when not given). */
export function parseForward(r: XmlReader, ctx: ForwardContext): ForwardDef {
  const fwd: ForwardDef = { mode: r.enum("mode", FORWARD_MODES) ?? "nat", managed: r.yesNo("managed") ?? false, interfaces: [] };
  const driver = r.child("driver");
  if (driver) fwd.driver = driver.reqEnum("name", ["kvm", "vfio"]);
  const ifEls = r.children("interface");
  const addrEls = r.children("address");
  const pfEls = r.children("pf");
  const natEls = r.children("nat");
  if (natEls.length > 1) throw natEls[1].error("only one <nat> is allowed in <forward>");
  if (natEls[0]) {
    if (fwd.mode !== "nat") throw natEls[0].error("<nat> is allowed only with forward mode 'nat'");
    fwd.nat = parseNat(natEls[0]);
  }
  const live = (el: XmlReader) => (ctx.inactive ? undefined : el.uint("connections"));
  const dev = r.attr("dev");
  if (dev !== undefined && (addrEls.length > 0 || pfEls.length > 0)) {
    throw r.error("the 'dev' attribute of <forward> cannot be used together with <address> or <pf>");
  }
  if (ifEls.length > 0 || dev !== undefined) {
    if (dev !== undefined) fwd.interfaces.push({ type: "netdev", dev });
    ifEls.forEach((el, i) => {
      const d = el.req("dev");
      if (i === 0 && dev !== undefined) {
        if (d !== dev) throw el.error(`<forward dev='${dev}'> must match the first <interface dev='${d}'/>`);
        fwd.interfaces[0].connections = live(el);
        return;
      }
      if (fwd.interfaces.some((x) => x.type === "netdev" && x.dev === d)) throw el.error(`interface '${d}' is listed more than once in <forward>`);
      fwd.interfaces.push({ type: "netdev", dev: d, connections: live(el) });
    });
  } else if (addrEls.length > 0) {
    for (const el of addrEls) {
      el.reqEnum("type", ["pci"]);
      const address = parsePci(el);
      const seen = fwd.interfaces.some((x) => x.type === "pci" && pciText(x.address) === pciText(address));
      if (seen) throw el.error(`PCI device '${pciText(address)}' is listed more than once in <forward>`);
      fwd.interfaces.push({ type: "pci", address, connections: live(el) });
    }
  } else if (pfEls.length > 1) {
    throw pfEls[1].error("only one <pf> is allowed in <forward>");
  } else if (pfEls.length === 1) {
    fwd.pf = pfEls[0].req("dev");
  }
  return fwd;
}

function hex(n: number, width: number): string {
  return "0x" + n.toString(16).padStart(width, "0");
}

function formatNat(w: XmlWriter, nat: NatDef | undefined): void {
  if (!nat) return;
  const hasPorts = !!(nat.portStart || nat.portEnd);
  if (!nat.start && !nat.end && !hasPorts && nat.ipv6 === undefined) return;
  w.elem("nat", [["ipv6", nat.ipv6 === undefined ? undefined : nat.ipv6 ? "yes" : "no"]], (w) => {
    if (nat.start) w.elem("address", [["start", nat.start], ["end", nat.end]]);
    if (hasPorts) w.elem("port", [["start", nat.portStart ?? 0], ["end", nat.portEnd || undefined]]);
  });
}

function interfaceEntry(w: XmlWriter, x: ForwardInterface, ctx: ForwardContext): void {
  const connections = !ctx.inactive && x.connections ? x.connections : undefined;
  if (x.type === "netdev") {
    w.elem("interface", [["dev", x.dev], ["connections", connections]]);
    return;
  }
  const a = x.address;
  w.elem("address", [
    ["type", "pci"],
    ["domain", hex(a.domain, 4)],
    ["bus", hex(a.bus, 2)],
    ["slot", hex(a.slot, 2)],
    ["function", hex(a.function, 0)],
    ["connections", connections],
  ]);
}

/** Writes `<forward>` for a network that has one. */
export function formatForward(w: XmlWriter, fwd: ForwardDef | undefined, ctx: ForwardContext): void {
  if (!fwd) return;
  const first = fwd.interfaces[0];
  const dev = !fwd.pf && first?.type === "netdev" ? first.dev : undefined;
  w.elem("forward", [
    ["dev", dev],
    ["mode", fwd.mode],
    ["managed", fwd.mode === "hostdev" ? (fwd.managed ? "yes" : "no") : undefined],
  ], (w) => {
    if (fwd.driver) w.elem("driver", [["name", fwd.driver]]);
    if (fwd.mode === "nat") formatNat(w, fwd.nat);
    if (fwd.pf) w.elem("pf", [["dev", fwd.pf]]);
    if (!fwd.pf || !ctx.inactive) for (const x of fwd.interfaces) interfaceEntry(w, x, ctx);
  });
}
