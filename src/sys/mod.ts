/**
 * Host networking through the kernel's own interfaces, without running `ip`:
 * rtnetlink for links, addresses and routes, `/dev/net/tun` ioctls for TAP
 * devices, and named network namespaces. Linux only; the calls need root
 * (`CAP_NET_ADMIN`) and Deno's FFI permission. See `docs/sys.md`.
 * @module
 */
export {
  type BridgeOptions,
  createBridge,
  createDummy,
  createMacvlan,
  createVeth,
  createVlan,
  deleteLink,
  getLink,
  type LinkInfo,
  type LinkOptions,
  listLinks,
  type MacvlanMode,
  type MacvlanOptions,
  moveToNetns,
  type NetnsTarget,
  type OperState,
  renameLink,
  setLinkDown,
  setLinkUp,
  setMac,
  setMaster,
  setMtu,
  type VethOptions,
} from "./links.ts";
export {
  addAddress,
  type AddressInfo,
  type AddressOptions,
  deleteAddress,
  listAddresses,
} from "./addresses.ts";
export { addRoute, deleteRoute, listRoutes, type Route, type RouteInfo } from "./routes.ts";
export { createTap, openTap, type TapHandle, type TapOptions } from "./tun.ts";
export { findLinkIndex, linkIndex } from "./ifreq.ts";
export { inNetns, netnsPath } from "./netns.ts";
export { closeFd } from "./libc.ts";
export { checkIfName } from "./names.ts";
export type { NetnsOption } from "./rtnetlink.ts";
