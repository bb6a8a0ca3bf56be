/**
 * The status file of a running QEMU domain (`STATUS/NAME.xml`): what a later
 * process needs to find the guest again and manage it. Like libvirt's
 * `<domstatus>`, it wraps the live domain XML; the runtime facts (pid,
 * monitor socket, state, host resources to release) are kept as JSON in a
 * `<runtime>` element.
 *
 * @example
 * ```ts
 * const text = formatStatus(rt, formatDomainXml(def));
 * const { runtime, domainXml } = parseStatus(text);
 * ```
 * @module
 */
import { formatStatusFile, parseStatusFile } from "../../src/state/mod.ts";

/** Version of the runtime record; a status file of another version is not trusted. */
export const STATUS_VERSION = 1;

/** A host-side network device prepared for one `<interface>`, released when the guest stops. */
export interface PreparedNic {
  /** Index of the interface in the definition. */
  index: number;
  /** The TAP device QEMU opens. */
  ifname: string;
  /** Whatever the interface module needs to release it. */
  release?: unknown;
}

/** Runtime facts of a running domain. */
export interface DomainRuntime {
  version: number;
  /** The runtime id (`virsh domid`). */
  id: number;
  /** The QEMU process id. */
  pid: number;
  /** The emulator binary (to recognise the process). */
  binary: string;
  /** `VIR_DOMAIN_*` state and its reason, as last seen. */
  state: number;
  reason: number;
  /** The QMP socket. */
  monitor: string;
  /** The domain's private folder (monitor, pid file, channel sockets, QEMU's HOME). */
  dir: string;
  /** The per-domain log file. */
  log: string;
  /** Milliseconds since the epoch when the process started. */
  startedAt: number;
  /** Whether a persistent definition exists (a transient domain disappears when it stops). */
  persistent: boolean;
  /** Set by a reboot request: the next guest power-off resets the guest instead of applying `on_poweroff`. */
  fakeReboot?: boolean;
  /** The last QMP `SHUTDOWN` reason seen (`guest-shutdown`, `guest-reset` ...). */
  shutdownReason?: string;
  /** Whether that shutdown was initiated by the guest. */
  shutdownGuest?: boolean;
  /** TAP devices prepared for the guest. */
  nics: PreparedNic[];
  /** The cgroup the process was placed in, if any. */
  cgroup?: unknown;
}

/** Formats a status file: the runtime record and the live domain XML. */
export function formatStatus(rt: DomainRuntime, domainXml: string): string {
  return formatStatusFile(rt, domainXml);
}

/**
 * Reads a status file back.
 *
 * @throws VirtError `internal-error` naming the file when it is damaged
 */
export function parseStatus(
  text: string,
  file: string,
): { runtime: DomainRuntime; domainXml: string } {
  return parseStatusFile<DomainRuntime>(text, file, "qemu", STATUS_VERSION);
}
