/**
 * IP addresses on links through rtnetlink: adding, deleting and listing
 * them (`ip addr add|del|show`).
 * @module
 */
import { broadcastAddress, type IpFamily } from "../conf/network/ipaddr.ts";
import { linkIndex } from "./ifreq.ts";
import { type Cidr, FAMILIES, familyOf, ipBytes, ipText, parseCidr } from "./inet.ts";
import { attrStr, MessageBuilder, NLM_F_CREATE, NLM_F_EXCL, parseAttrs, view } from "./netlink.ts";
import { type NetnsOption, withRtnl } from "./rtnetlink.ts";
import { scopeName } from "./scope.ts";

const RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22;
const IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4;
/** The size of `struct ifaddrmsg`. */
const IFADDRMSG_LEN = 8;

/** An address on a link, as the kernel reports it. */
export interface AddressInfo {
  /** Index of the link carrying it. */
  index: number;
  /** Address family. */
  family: IpFamily;
  /** The address itself. */
  address: string;
  /** Prefix length. */
  prefix: number;
  /** The other end of a point-to-point link, when set. */
  peer?: string;
  /** IPv4 broadcast address, when set. */
  broadcast?: string;
  /** Scope, named as `ip` names it (`global`, `link`, `host`), or its number. */
  scope: string;
  /** IPv4 label (usually the link name). */
  label?: string;
}

/** Settings of an added address. */
export interface AddressOptions extends NetnsOption {
  /** Peer address of a point-to-point link (no broadcast address then). */
  peer?: string;
}

function ifaddrmsg(family: number, prefix: number, index: number): Uint8Array {
  const b = new Uint8Array(IFADDRMSG_LEN);
  b[0] = family;
  b[1] = prefix;
  new DataView(b.buffer).setUint32(4, index, true);
  return b;
}

function addressMessage(
  type: number,
  flags: number,
  dev: string,
  cidr: Cidr,
  opts: AddressOptions,
): MessageBuilder {
  const { address, prefix } = cidr;
  const m = new MessageBuilder(
    type,
    flags,
    ifaddrmsg(FAMILIES[address.family], prefix, linkIndex(dev, opts)),
  );
  m.bytes(IFA_LOCAL, ipBytes(address));
  const peer = opts.peer === undefined ? undefined : parseCidr(opts.peer, "peer address").address;
  m.bytes(IFA_ADDRESS, ipBytes(peer ?? address));
  // As libvirt does: an IPv4 address without a peer gets its subnet's broadcast.
  if (type === RTM_NEWADDR && address.family === "ipv4" && !peer && prefix < 31) {
    m.bytes(IFA_BROADCAST, ipBytes(broadcastAddress(address, prefix)));
  }
  return m;
}

/**
 * Adds `ADDRESS/PREFIX` to link `dev`; adding an address it already has
 * fails with `EEXIST`.
 *
 * @example
 * ```ts
 * addAddress("virbr0", "192.168.122.1/24");
 * ```
 */
export function addAddress(dev: string, address: string, opts: AddressOptions = {}): void {
  const m = addressMessage(
    RTM_NEWADDR,
    NLM_F_CREATE | NLM_F_EXCL,
    dev,
    parseCidr(address, "address"),
    opts,
  );
  withRtnl(opts, (s) => s.request(m, { action: `add address ${address} to`, object: dev }));
}

/** Removes `ADDRESS/PREFIX` from link `dev`. */
export function deleteAddress(dev: string, address: string, opts: AddressOptions = {}): void {
  const m = addressMessage(RTM_DELADDR, 0, dev, parseCidr(address, "address"), opts);
  withRtnl(opts, (s) => s.request(m, { action: `delete address ${address} from`, object: dev }));
}

/**
 * The addresses of every link, or of link `dev`, optionally of one family.
 *
 * @example
 * ```ts
 * listAddresses({ dev: "virbr0", family: "ipv4" }).map((a) => `${a.address}/${a.prefix}`);
 * ```
 */
export function listAddresses(
  opts: NetnsOption & { dev?: string; family?: IpFamily } = {},
): AddressInfo[] {
  const index = opts.dev === undefined ? undefined : linkIndex(opts.dev, opts);
  const af = opts.family ? FAMILIES[opts.family] : 0;
  const m = new MessageBuilder(RTM_GETADDR, 0, ifaddrmsg(af, 0, 0));
  const msgs = withRtnl(
    opts,
    (s) =>
      s.query(m, { action: "list addresses of", object: opts.dev ?? opts.netns ?? "host" }, true),
  );
  const out: AddressInfo[] = [];
  for (const msg of msgs) {
    const v = view(msg.payload);
    const family = familyOf(v.getUint8(0));
    if (msg.type !== RTM_NEWADDR || !family || (af && v.getUint8(0) !== af)) continue;
    const info: AddressInfo = {
      index: v.getUint32(4, true),
      family,
      address: "",
      prefix: v.getUint8(1),
      scope: scopeName(v.getUint8(3)),
    };
    if (index !== undefined && info.index !== index) continue;
    const attrs = parseAttrs(msg.payload.subarray(IFADDRMSG_LEN));
    const local = attrs.get(IFA_LOCAL);
    const addr = attrs.get(IFA_ADDRESS);
    info.address = ipText(family, local ?? addr!);
    if (local && addr && ipText(family, addr) !== info.address) info.peer = ipText(family, addr);
    const brd = attrs.get(IFA_BROADCAST);
    if (brd) info.broadcast = ipText(family, brd);
    const label = attrStr(attrs, IFA_LABEL);
    if (label) info.label = label;
    out.push(info);
  }
  return out;
}
