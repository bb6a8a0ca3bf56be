/**
 * Where a remote display (VNC, SPICE, RDP) listens: the `<listen>` children
 * of `<graphics>` and libvirt's back-compat rules between them and the
 * legacy `listen` and `socket` attributes of `<graphics>`.
 * @module
 */
import type { Attr, XmlReader, XmlWriter } from "../../../xml/mod.ts";
import type { FormatContext, ParseContext } from "../context.ts";

/** Listen kinds. */
export const LISTEN_TYPES = ["address", "network", "socket", "none"] as const;

/** One `<listen>`. */
export interface GraphicsListenDef {
  type: (typeof LISTEN_TYPES)[number];
  /** Host address (type `address`; for `network`, the resolved address in live XML). */
  address?: string;
  /** Virtual network name (type `network`). */
  network?: string;
  /** UNIX socket path (type `socket`). */
  socket?: string;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === "" ? undefined : v;
}

/**
 * Parses one `<listen>`. For the first one, `compat` gives the `listen` and
 * `socket` attributes of `<graphics>`: they fill an address or socket the
 * element leaves out and must agree with one it gives.
 */
function parseListen(
  l: XmlReader,
  ctx: ParseContext,
  compat?: { listen?: string; socket?: string },
): GraphicsListenDef {
  const type = l.reqEnum("type", LISTEN_TYPES);
  let address = l.attr("address");
  let socket = l.attr("socket");
  const network = nonEmpty(l.attr("network"));
  if (type === "address") {
    if (address !== undefined && compat?.listen !== undefined && address !== compat.listen) {
      throw l.error(
        `graphics 'listen' attribute '${compat.listen}' must match 'address' attribute of first listen element (found '${address}')`,
      );
    }
    address ??= compat?.listen;
  }
  if (type === "socket") {
    if (socket !== undefined && compat?.socket !== undefined && socket !== compat.socket) {
      throw l.error(
        `graphics 'socket' attribute '${compat.socket}' must match 'socket' attribute of first listen element (found '${socket}')`,
      );
    }
    socket ??= compat?.socket;
  }
  const def: GraphicsListenDef = { type };
  address = nonEmpty(address);
  if (address !== undefined && (type === "address" || (type === "network" && !ctx.inactive))) {
    def.address = address;
  }
  if (network !== undefined) {
    if (type !== "network") {
      throw l.error("'network' attribute is valid only for listen type 'network'");
    }
    def.network = network;
  }
  socket = nonEmpty(socket);
  if (socket !== undefined) {
    if (type !== "socket") {
      throw l.error("'socket' attribute is valid only for listen type 'socket'");
    }
    def.socket = socket;
  }
  if (type === "network" && def.network === undefined) {
    throw l.error("'network' attribute is required for listen type 'network'");
  }
  return def;
}

/**
 * Reads the listens of a VNC, SPICE or RDP `<graphics>`. Without `<listen>`
 * children, one is made from the legacy attributes; a VNC `socket` attribute
 * replaces a first address or network listen.
 */
export function parseListens(r: XmlReader, ctx: ParseContext): GraphicsListenDef[] {
  const compat = {
    listen: r.attr("listen"),
    socket: r.attr("type") === "vnc" ? r.attr("socket") : undefined,
  };
  const listens = r.children("listen").map((l, i) =>
    parseListen(l, ctx, i === 0 ? compat : undefined)
  );
  const fromAttrs: GraphicsListenDef = compat.socket !== undefined
    ? { type: "socket", socket: compat.socket }
    : { type: "address", address: nonEmpty(compat.listen) };
  if (listens.length === 0) listens.push(fromAttrs);
  else if (
    (listens[0].type === "address" || listens[0].type === "network") && fromAttrs.type === "socket"
  ) listens[0] = fromAttrs;
  return listens;
}

/** Writes the `<listen>` elements. */
export function formatListens(
  w: XmlWriter,
  listens: GraphicsListenDef[],
  ctx: FormatContext,
): void {
  for (const l of listens) {
    const showAddress = l.type === "address" || (l.type === "network" && !ctx.inactive);
    w.elem("listen", [
      ["type", l.type],
      ["address", showAddress ? l.address : undefined],
      ["network", l.type === "network" ? l.network : undefined],
      ["socket", l.type === "socket" ? l.socket : undefined],
    ]);
  }
}

/** The legacy `listen` attribute of `<graphics>`, mirroring the first listen's address. */
export function listenAttr(first: GraphicsListenDef | undefined, ctx: FormatContext): Attr {
  if (!first || (first.type === "network" && ctx.inactive)) return ["listen", undefined];
  return ["listen", first.address];
}
