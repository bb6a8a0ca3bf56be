/**
 * Network links through rtnetlink: creating bridges, veth pairs, dummies,
 * macvlan/macvtap and VLAN devices; deleting any link; changing state, MTU,
 * MAC address, master, name and network namespace; reading links back.
 *
 * Every function takes `opts.netns` to act inside a named network namespace.
 * @module
 */
import { closeFd } from "./libc.ts";
import { linkIndex } from "./ifreq.ts";
import { checkIfName, formatMac, invalid, parseMac } from "./names.ts";
import { openNetns } from "./netns.ts";
import {
  attrStr,
  attrU32,
  MessageBuilder,
  NLM_F_CREATE,
  NLM_F_EXCL,
  type NlMessage,
  parseAttrs,
  view,
} from "./netlink.ts";
import { type NetnsOption, withRtnl } from "./rtnetlink.ts";

const RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19;
const IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5, IFLA_MASTER = 10;
const IFLA_OPERSTATE = 16, IFLA_LINKINFO = 18, IFLA_NET_NS_PID = 19, IFLA_NET_NS_FD = 28;
const IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2;
const VETH_INFO_PEER = 1;
const IFLA_BR_FORWARD_DELAY = 1, IFLA_BR_STP_STATE = 5;
const IFLA_MACVLAN_MODE = 1;
const IFLA_VLAN_ID = 1;
const IFF_UP = 0x1;
/** `USER_HZ`: bridge timers travel in hundredths of a second. */
const USER_HZ = 100;

/** The size of `struct ifinfomsg`. */
const IFINFOMSG_LEN = 16;

/** The operational states the kernel reports, as `ip` prints them. */
export type OperState =
  | "UNKNOWN"
  | "NOTPRESENT"
  | "DOWN"
  | "LOWERLAYERDOWN"
  | "TESTING"
  | "DORMANT"
  | "UP";

const OPER_STATES: OperState[] = [
  "UNKNOWN",
  "NOTPRESENT",
  "DOWN",
  "LOWERLAYERDOWN",
  "TESTING",
  "DORMANT",
  "UP",
];

/** A link as the kernel reports it. */
export interface LinkInfo {
  /** Interface index. */
  index: number;
  /** Interface name. */
  name: string;
  /** `IFF_*` flags. */
  flags: number;
  /** Whether the link is administratively up (`IFF_UP`). */
  up: boolean;
  /** Operational state. */
  operState: OperState;
  /** MTU in bytes. */
  mtu: number;
  /** Link-layer address (`aa:bb:...`), when the link has one. */
  mac?: string;
  /** Index of the bridge (or bond) the link is enslaved to. */
  master?: number;
  /** Index of the link this one sits on (vlan, macvlan) or its veth peer. */
  parent?: number;
  /** Driver kind (`bridge`, `veth`, `tun`, `dummy`, ...); absent for plain devices. */
  kind?: string;
}

/** Settings any new link may take. */
export interface LinkOptions extends NetnsOption {
  /** MTU in bytes. */
  mtu?: number;
  /** MAC address, `aa:bb:cc:dd:ee:ff`. */
  mac?: string;
}

/** A network namespace: a name under `/run/netns`, or a process id whose namespace to use. */
export type NetnsTarget = string | number;

/** Settings of a new bridge. */
export interface BridgeOptions extends LinkOptions {
  /** Whether the bridge runs the spanning tree protocol. */
  stp?: boolean;
  /** STP forward delay in seconds. */
  forwardDelay?: number;
}

/** Settings of a new veth pair; `mtu` applies to both ends. */
export interface VethOptions extends LinkOptions {
  /** MAC address of the peer end. */
  peerMac?: string;
  /** Namespace to create the peer end in. */
  peerNetns?: NetnsTarget;
}

/** How a macvlan/macvtap device passes traffic (`IFLA_MACVLAN_MODE`). */
export type MacvlanMode = "private" | "vepa" | "bridge" | "passthru" | "source";

const MACVLAN_MODES: Record<MacvlanMode, number> = {
  private: 1,
  vepa: 2,
  bridge: 4,
  passthru: 8,
  source: 16,
};

/** Settings of a new macvlan or macvtap device. */
export interface MacvlanOptions extends LinkOptions {
  /** Forwarding mode; `vepa` when not given (the kernel's default). */
  mode?: MacvlanMode;
  /** Create a macvtap (a character device QEMU can open) rather than a macvlan. */
  tap?: boolean;
}

function ifinfomsg(index = 0, flags = 0, change = 0): Uint8Array {
  const b = new Uint8Array(IFINFOMSG_LEN);
  const v = new DataView(b.buffer);
  v.setInt32(4, index, true);
  v.setUint32(8, flags, true);
  v.setUint32(12, change, true);
  return b;
}

function checkMtu(mtu: number): number {
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 0xffffffff) {
    throw invalid(`invalid MTU ${mtu}: expected an integer from 68 to 4294967295`);
  }
  return mtu;
}

/** Appends the common settings of a link. */
function common(m: MessageBuilder, opts: { mtu?: number; mac?: string }): void {
  if (opts.mtu !== undefined) m.u32(IFLA_MTU, checkMtu(opts.mtu));
  if (opts.mac !== undefined) m.bytes(IFLA_ADDRESS, parseMac(opts.mac));
}

/**
 * Appends the attribute that places a link in `target`, returning a
 * descriptor to close once the request is done (or -1).
 */
function netnsAttr(m: MessageBuilder, target: NetnsTarget): number {
  if (typeof target === "number") {
    m.u32(IFLA_NET_NS_PID, target);
    return -1;
  }
  const fd = openNetns(target);
  m.u32(IFLA_NET_NS_FD, fd);
  return fd;
}

/** Sends a request about link `name`, closing `fd` (a namespace) afterwards. */
function send(m: MessageBuilder, action: string, name: string, opts: NetnsOption, fd = -1): void {
  try {
    withRtnl(opts, (s) => s.request(m, { action, object: name }));
  } finally {
    if (fd >= 0) closeFd(fd);
  }
}

/**
 * Creates link `name` of `kind`, failing with `EEXIST` if it exists. `body`
 * appends the kind's attributes and returns a descriptor to close, if any.
 */
function newLink(
  name: string,
  kind: string,
  opts: LinkOptions,
  body: (m: MessageBuilder) => number | void,
): void {
  checkIfName(name);
  const m = new MessageBuilder(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, ifinfomsg());
  m.str(IFLA_IFNAME, name);
  common(m, opts);
  send(m, `create ${kind}`, name, opts, body(m) ?? -1);
}

function linkInfo(m: MessageBuilder, kind: string, data?: () => void): void {
  m.nest(IFLA_LINKINFO, () => {
    m.str(IFLA_INFO_KIND, kind);
    if (data) m.nest(IFLA_INFO_DATA, data);
  });
}

/**
 * Creates a bridge (down, as the kernel creates every link).
 *
 * @example
 * ```ts
 * createBridge("virbr1", { stp: true, forwardDelay: 0 });
 * ```
 */
export function createBridge(name: string, opts: BridgeOptions = {}): void {
  newLink(name, "bridge", opts, (m) =>
    linkInfo(m, "bridge", () => {
      if (opts.forwardDelay !== undefined) {
        m.u32(IFLA_BR_FORWARD_DELAY, Math.round(opts.forwardDelay * USER_HZ));
      }
      if (opts.stp !== undefined) m.u32(IFLA_BR_STP_STATE, opts.stp ? 1 : 0);
    }));
}

/** Creates a dummy link (a device that drops everything sent to it). */
export function createDummy(name: string, opts: LinkOptions = {}): void {
  newLink(name, "dummy", opts, (m) => linkInfo(m, "dummy"));
}

/**
 * Creates a veth pair `name` and `peer`; `opts.peerNetns` creates the peer end
 * directly in another namespace.
 *
 * @example
 * ```ts
 * createVeth("vnet0", "vnet0p", { peerNetns: "ct1" });
 * ```
 */
export function createVeth(name: string, peer: string, opts: VethOptions = {}): void {
  checkIfName(peer);
  newLink(name, "veth", opts, (m) => {
    let fd = -1;
    linkInfo(m, "veth", () =>
      m.nest(VETH_INFO_PEER, () => {
        m.raw(ifinfomsg());
        m.str(IFLA_IFNAME, peer);
        common(m, { mtu: opts.mtu, mac: opts.peerMac });
        if (opts.peerNetns !== undefined) fd = netnsAttr(m, opts.peerNetns);
      }));
    return fd;
  });
}

/**
 * Creates a macvlan (or, with `tap`, a macvtap) device on top of `parent`.
 *
 * @example
 * ```ts
 * createMacvlan("macvtap0", "eth0", { mode: "bridge", tap: true });
 * ```
 */
export function createMacvlan(name: string, parent: string, opts: MacvlanOptions = {}): void {
  const parentIndex = linkIndex(parent, opts);
  const kind = opts.tap ? "macvtap" : "macvlan";
  newLink(name, kind, opts, (m) => {
    m.u32(IFLA_LINK, parentIndex);
    linkInfo(m, kind, () => m.u32(IFLA_MACVLAN_MODE, MACVLAN_MODES[opts.mode ?? "vepa"]));
  });
}

/** Creates an 802.1Q VLAN device with tag `id` (1-4094) on top of `parent`. */
export function createVlan(name: string, parent: string, id: number, opts: LinkOptions = {}): void {
  if (!Number.isInteger(id) || id < 1 || id > 4094) {
    throw invalid(`invalid VLAN id ${id} for '${name}': expected 1 to 4094`);
  }
  const parentIndex = linkIndex(parent, opts);
  newLink(name, "vlan", opts, (m) => {
    m.u32(IFLA_LINK, parentIndex);
    linkInfo(m, "vlan", () => m.u16(IFLA_VLAN_ID, id));
  });
}

/** Deletes a link of any kind (a veth takes its peer with it). */
export function deleteLink(name: string, opts: NetnsOption = {}): void {
  checkIfName(name);
  send(
    new MessageBuilder(RTM_DELLINK, 0, ifinfomsg()).str(IFLA_IFNAME, name),
    "delete interface",
    name,
    opts,
  );
}

/**
 * Changes link `name`: `body` appends the changes and returns a descriptor to
 * close, if any; `flags`/`change` set and select `IFF_*` flags.
 */
function setLink(
  name: string,
  action: string,
  opts: NetnsOption,
  body: (m: MessageBuilder) => number | void,
  flags = 0,
  change = 0,
): void {
  checkIfName(name);
  const m = new MessageBuilder(RTM_SETLINK, 0, ifinfomsg(0, flags, change));
  m.str(IFLA_IFNAME, name);
  send(m, action, name, opts, body(m) ?? -1);
}

/** Brings a link up (`ip link set NAME up`). */
export function setLinkUp(name: string, opts: NetnsOption = {}): void {
  setLink(name, "bring up interface", opts, () => {}, IFF_UP, IFF_UP);
}

/** Takes a link down (`ip link set NAME down`). */
export function setLinkDown(name: string, opts: NetnsOption = {}): void {
  setLink(name, "bring down interface", opts, () => {}, 0, IFF_UP);
}

/** Sets a link's MTU. */
export function setMtu(name: string, mtu: number, opts: NetnsOption = {}): void {
  checkMtu(mtu);
  setLink(name, `set MTU ${mtu} on`, opts, (m) => common(m, { mtu }));
}

/** Sets a link's MAC address. */
export function setMac(name: string, mac: string, opts: NetnsOption = {}): void {
  parseMac(mac);
  setLink(name, `set MAC ${mac} on`, opts, (m) => common(m, { mac }));
}

/**
 * Enslaves a link to a bridge (or bond) `master`, or frees it from its master
 * when `master` is null.
 *
 * @example
 * ```ts
 * setMaster("vnet0", "virbr0");
 * ```
 */
export function setMaster(name: string, master: string | null, opts: NetnsOption = {}): void {
  const index = master === null ? 0 : linkIndex(master, opts);
  const action = master === null ? "release interface" : `attach to '${master}' interface`;
  setLink(name, action, opts, (m) => {
    m.u32(IFLA_MASTER, index);
  });
}

/**
 * Moves a link into another network namespace: a name under `/run/netns`, or
 * a process id whose namespace to use.
 */
export function moveToNetns(name: string, target: NetnsTarget, opts: NetnsOption = {}): void {
  setLink(name, `move to namespace '${target}' interface`, opts, (m) => netnsAttr(m, target));
}

/** Renames a link (it must be down). */
export function renameLink(name: string, newName: string, opts: NetnsOption = {}): void {
  checkIfName(newName);
  const m = new MessageBuilder(RTM_SETLINK, 0, ifinfomsg(linkIndex(name, opts)));
  send(m.str(IFLA_IFNAME, newName), `rename to '${newName}' interface`, name, opts);
}

function decodeLink(msg: NlMessage): LinkInfo {
  const v = view(msg.payload);
  const flags = v.getUint32(8, true);
  const attrs = parseAttrs(msg.payload.subarray(IFINFOMSG_LEN));
  const address = attrs.get(IFLA_ADDRESS);
  const oper = attrs.get(IFLA_OPERSTATE);
  const info = attrs.get(IFLA_LINKINFO);
  const link: LinkInfo = {
    index: v.getInt32(4, true),
    name: attrStr(attrs, IFLA_IFNAME) ?? "",
    flags,
    up: (flags & IFF_UP) !== 0,
    operState: OPER_STATES[oper?.[0] ?? 0] ?? "UNKNOWN",
    mtu: attrU32(attrs, IFLA_MTU) ?? 0,
  };
  if (address && address.length > 0) link.mac = formatMac(address);
  const master = attrU32(attrs, IFLA_MASTER);
  if (master) link.master = master;
  const parent = attrU32(attrs, IFLA_LINK);
  if (parent !== undefined && parent !== link.index) link.parent = parent;
  const kind = info && attrStr(parseAttrs(info), IFLA_INFO_KIND);
  if (kind) link.kind = kind;
  return link;
}

/** One link, by name. */
export function getLink(name: string, opts: NetnsOption = {}): LinkInfo {
  checkIfName(name);
  const m = new MessageBuilder(RTM_GETLINK, 0, ifinfomsg()).str(IFLA_IFNAME, name);
  return withRtnl(
    opts,
    (s) => decodeLink(s.query(m, { action: "find interface", object: name })[0]),
  );
}

/**
 * Every link (in the namespace `opts.netns` when given), in index order.
 *
 * @example
 * ```ts
 * listLinks().filter((l) => l.kind === "bridge").map((l) => l.name);
 * ```
 */
export function listLinks(opts: NetnsOption = {}): LinkInfo[] {
  const m = new MessageBuilder(RTM_GETLINK, 0, ifinfomsg());
  return withRtnl(
    opts,
    (s) => s.query(m, { action: "list interfaces in", object: opts.netns ?? "host" }, true),
  )
    .filter((msg) => msg.type === RTM_NEWLINK)
    .map(decodeLink);
}
