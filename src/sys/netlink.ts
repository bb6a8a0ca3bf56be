/**
 * Netlink message encoding and decoding: the `nlmsghdr` header, a fixed
 * family header (`ifinfomsg`, `ifaddrmsg`, `rtmsg`, ...) and type-length-value
 * attributes (`rtattr`), possibly nested, all in host byte order and padded
 * to four bytes.
 * @module
 */

/** Message types every netlink family shares. */
export const NLMSG_ERROR = 2, NLMSG_DONE = 3;
/** Request flags: a request, asking for an acknowledgement. */
export const NLM_F_REQUEST = 0x1, NLM_F_ACK = 0x4;
/** Flags of a dump request (`NLM_F_ROOT | NLM_F_MATCH`). */
export const NLM_F_DUMP = 0x300;
/** Flags of a creating request: fail if it exists, create if it does not. */
export const NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;
/** Flags on an error message: the request was not echoed, TLVs follow. */
export const NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;
/** `NLMSGERR_ATTR_MSG`: the kernel's extended-ack text. */
const NLMSGERR_ATTR_MSG = 1;

/** `sizeof(struct nlmsghdr)`. */
const NLMSG_HDRLEN = 16;
const RTA_HDRLEN = 4;
/** Attribute type bits that are flags, not part of the type. */
const NLA_TYPE_MASK = 0x3fff;

const align = (n: number) => (n + 3) & ~3;

/**
 * Builds one netlink message: the header, a fixed family header, then
 * attributes appended in order. Nested attributes are built with `nest`.
 *
 * @example
 * ```ts
 * const m = new MessageBuilder(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ifinfomsg({}));
 * m.str(IFLA_IFNAME, "br0");
 * m.nest(IFLA_LINKINFO, () => m.str(IFLA_INFO_KIND, "bridge"));
 * sock.request(m);
 * ```
 */
export class MessageBuilder {
  #buf = new Uint8Array(256);
  #len = 0;
  /** The message type (`RTM_NEWLINK`, ...). */
  readonly type: number;

  /**
   * @param type the message type
   * @param flags the `NLM_F_*` flags
   * @param header the family's fixed header, already encoded
   */
  constructor(type: number, flags: number, header: Uint8Array) {
    this.type = type;
    this.#reserve(NLMSG_HDRLEN);
    const v = this.#view();
    v.setUint16(4, type, true);
    v.setUint16(6, flags, true);
    this.raw(header);
  }

  #view(): DataView {
    return new DataView(this.#buf.buffer);
  }

  #reserve(n: number): number {
    const at = this.#len;
    const need = align(at + n);
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf);
      this.#buf = grown;
    }
    this.#len = need;
    return at;
  }

  /** Appends bytes as they are (padded to four bytes). */
  raw(bytes: Uint8Array): this {
    this.#buf.set(bytes, this.#reserve(bytes.length));
    return this;
  }

  /** Appends an attribute with a byte payload. */
  bytes(type: number, payload: Uint8Array): this {
    const at = this.#reserve(RTA_HDRLEN + payload.length);
    const v = this.#view();
    v.setUint16(at, RTA_HDRLEN + payload.length, true);
    v.setUint16(at + 2, type, true);
    this.#buf.set(payload, at + RTA_HDRLEN);
    return this;
  }

  /** Appends an attribute holding an unsigned 8-bit integer. */
  u8(type: number, value: number): this {
    return this.bytes(type, new Uint8Array([value]));
  }

  /** Appends an attribute holding an unsigned 16-bit integer. */
  u16(type: number, value: number): this {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, value, true);
    return this.bytes(type, b);
  }

  /** Appends an attribute holding an unsigned 32-bit integer. */
  u32(type: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value, true);
    return this.bytes(type, b);
  }

  /** Appends an attribute holding a NUL-terminated string. */
  str(type: number, value: string): this {
    const s = new TextEncoder().encode(value);
    const b = new Uint8Array(s.length + 1);
    b.set(s);
    return this.bytes(type, b);
  }

  /** Appends a nested attribute whose content `body` appends. */
  nest(type: number, body: () => void): this {
    const at = this.#reserve(RTA_HDRLEN);
    body();
    const v = this.#view();
    v.setUint16(at, this.#len - at, true);
    v.setUint16(at + 2, type, true);
    return this;
  }

  /** The finished message with its length and sequence number filled in. */
  finish(seq: number): Uint8Array<ArrayBuffer> {
    const out = this.#buf.slice(0, this.#len);
    const v = new DataView(out.buffer);
    v.setUint32(0, this.#len, true);
    v.setUint32(8, seq, true);
    return out;
  }
}

/** One received message: its header fields and what follows the header. */
export interface NlMessage {
  /** Message type. */
  type: number;
  /** `NLM_F_*` flags. */
  flags: number;
  /** Sequence number of the request it answers. */
  seq: number;
  /** Everything after the 16-byte header. */
  payload: Uint8Array;
}

/** Splits a received datagram into its messages. */
export function parseMessages(buf: Uint8Array): NlMessage[] {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: NlMessage[] = [];
  let at = 0;
  while (at + NLMSG_HDRLEN <= buf.length) {
    const len = v.getUint32(at, true);
    if (len < NLMSG_HDRLEN || at + len > buf.length) break;
    out.push({
      type: v.getUint16(at + 4, true),
      flags: v.getUint16(at + 6, true),
      seq: v.getUint32(at + 8, true),
      payload: buf.subarray(at + NLMSG_HDRLEN, at + len),
    });
    at += align(len);
  }
  return out;
}

/**
 * The attributes in `buf` by type (flag bits removed). A repeated type keeps
 * its first occurrence.
 */
export function parseAttrs(buf: Uint8Array): Map<number, Uint8Array> {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Map<number, Uint8Array>();
  let at = 0;
  while (at + RTA_HDRLEN <= buf.length) {
    const len = v.getUint16(at, true);
    if (len < RTA_HDRLEN || at + len > buf.length) break;
    const type = v.getUint16(at + 2, true) & NLA_TYPE_MASK;
    if (!out.has(type)) out.set(type, buf.subarray(at + RTA_HDRLEN, at + len));
    at += align(len);
  }
  return out;
}

/** A little-endian view of a byte slice. */
export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** An attribute's unsigned 32-bit value, or undefined when absent. */
export function attrU32(attrs: Map<number, Uint8Array>, type: number): number | undefined {
  const a = attrs.get(type);
  return a && a.length >= 4 ? view(a).getUint32(0, true) : undefined;
}

/** An attribute's string value (up to its NUL), or undefined when absent. */
export function attrStr(attrs: Map<number, Uint8Array>, type: number): string | undefined {
  const a = attrs.get(type);
  if (!a) return undefined;
  const end = a.indexOf(0);
  return new TextDecoder().decode(end < 0 ? a : a.subarray(0, end));
}

/**
 * The error number of an `NLMSG_ERROR` or `NLMSG_DONE` message: 0 for an
 * acknowledgement or a dump's clean end, else a positive errno.
 */
export function errorCode(msg: NlMessage): number {
  return 0 - view(msg.payload).getInt32(0, true);
}

/**
 * The kernel's extended-ack text of an `NLMSG_ERROR` or `NLMSG_DONE` message,
 * when the socket asked for it and the kernel gave one.
 */
export function errorText(msg: NlMessage): string | undefined {
  if (!(msg.flags & NLM_F_ACK_TLVS)) return undefined;
  // An error echoes the request (only its header when capped); a dump's end does not.
  const echoed = msg.type === NLMSG_DONE
    ? 0
    : msg.flags & NLM_F_CAPPED
    ? NLMSG_HDRLEN
    : align(view(msg.payload).getUint32(4, true));
  return attrStr(parseAttrs(msg.payload.subarray(4 + echoed)), NLMSGERR_ATTR_MSG);
}
