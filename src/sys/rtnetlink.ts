/**
 * The rtnetlink client: a `NETLINK_ROUTE` socket (opened in a named network
 * namespace when asked) that sends one request at a time and reads the
 * kernel's answer. A kernel error becomes a `VirtError` naming the errno and
 * the object the request was about.
 * @module
 */
import {
  AF_NETLINK,
  check,
  closeFd,
  errno,
  libc,
  SOCK_CLOEXEC,
  SOCK_RAW,
  sysError,
} from "./libc.ts";
import { inNetns } from "./netns.ts";
import {
  errorCode,
  errorText,
  type MessageBuilder,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  type NlMessage,
  NLMSG_DONE,
  NLMSG_ERROR,
  parseMessages,
} from "./netlink.ts";

const NETLINK_ROUTE = 0;
const SOL_SOCKET = 1, SO_RCVTIMEO = 20;
const SOL_NETLINK = 270, NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11;
const MSG_PEEK = 0x2, MSG_TRUNC = 0x20;
/** How long to wait for the kernel's answer before giving up, in seconds. */
const RECV_TIMEOUT_S = 10;

/** Where an operation runs: the current network namespace or a named one. */
export interface NetnsOption {
  /** A namespace under `/run/netns` (as `ip netns add` creates). */
  netns?: string;
}

/** What a request is about, for the error message: `cannot ACTION 'OBJECT'`. */
export interface Subject {
  /** A verb phrase: `create bridge`, `add address to`. */
  action: string;
  /** The interface, address or route. */
  object: string;
}

/** An open `NETLINK_ROUTE` socket. */
export class RtnlSocket {
  #fd: number;
  #seq = Math.floor(Date.now() / 1000) & 0x7fffffff;
  #buf = new Uint8Array(65536);

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** Opens a socket in the current or the named network namespace. */
  static open(opts: NetnsOption = {}): RtnlSocket {
    const c = libc();
    const what = opts.netns ?? "route";
    const fd = inNetns(
      opts.netns,
      () =>
        check(
          c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE),
          "open netlink socket",
          what,
        ),
    );
    const int = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
    // Short error answers with the kernel's explanation; older kernels lack these.
    c.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, int(1), 4);
    c.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, int(1), 4);
    const tv = new Uint8Array(new BigInt64Array([BigInt(RECV_TIMEOUT_S), 0n]).buffer);
    check(
      c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, tv.length),
      "configure netlink socket",
      what,
    );
    return new RtnlSocket(fd);
  }

  /** Sends a request that changes something and waits for its acknowledgement. */
  request(msg: MessageBuilder, subject: Subject): void {
    this.#exchange(msg, false, subject);
  }

  /**
   * Sends a request and returns the messages it gets back: one for a `get`
   * of a single object, all of them for a dump (`NLM_F_DUMP`).
   */
  query(msg: MessageBuilder, subject: Subject, dump = false): NlMessage[] {
    return this.#exchange(msg, dump, subject);
  }

  /** Closes the socket. */
  close(): void {
    closeFd(this.#fd);
  }

  #exchange(msg: MessageBuilder, dump: boolean, subject: Subject): NlMessage[] {
    const seq = ++this.#seq;
    const bytes = msg.finish(seq);
    const v = new DataView(bytes.buffer);
    v.setUint16(6, v.getUint16(6, true) | NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK), true);
    const what = `send request to ${subject.action}`;
    check(libc().send(this.#fd, bytes, BigInt(bytes.length), 0), what, subject.object);
    const out: NlMessage[] = [];
    for (;;) {
      for (const m of this.#receive(subject)) {
        if (m.seq !== seq) continue;
        if (m.type === NLMSG_ERROR || m.type === NLMSG_DONE) {
          // An acknowledgement, or the end of a dump, carries 0 or -errno.
          const code = m.payload.length >= 4 ? errorCode(m) : 0;
          if (code > 0) throw sysError(subject.action, subject.object, code, errorText(m));
          return out;
        }
        out.push(m);
      }
    }
  }

  #receive(subject: Subject): NlMessage[] {
    const c = libc();
    // Peek with MSG_TRUNC to learn the datagram's size before reading it.
    const size = Number(c.recv(this.#fd, this.#buf, 0n, MSG_PEEK | MSG_TRUNC));
    if (size < 0) throw sysError(`read answer to ${subject.action}`, subject.object, errno());
    if (size > this.#buf.length) this.#buf = new Uint8Array(size);
    const n = check(
      c.recv(this.#fd, this.#buf, BigInt(this.#buf.length), 0),
      `read answer to ${subject.action}`,
      subject.object,
    );
    return parseMessages(this.#buf.slice(0, n));
  }
}

/**
 * Runs `fn` with a socket opened for it (in `opts.netns` when given) and
 * closes the socket afterwards.
 */
export function withRtnl<T>(opts: NetnsOption, fn: (sock: RtnlSocket) => T): T {
  const sock = RtnlSocket.open(opts);
  try {
    return fn(sock);
  } finally {
    sock.close();
  }
}
