/**
 * The status file of a running container (`STATUS/NAME.xml`): what any later
 * process (another connection, the controller, a restarted program) needs to
 * find the container and manage it. Like libvirt's `<domstatus>`, it wraps
 * the live domain XML; the runtime facts are JSON in a `<runtime>` element.
 * Beside it: `NAME.exit` (the init's wait status, written by its parent),
 * `NAME.console` (the controller's console socket), `NAME.log` (the
 * controller's log) and `NAME.root` (the staging directory of the root).
 * @module
 */
import { formatStatusFile, parseStatusFile } from "../../src/state/mod.ts";

/** Version of the runtime record; a status file of another version is not trusted. */
export const STATUS_VERSION = 1;

/** The runtime facts of a running container. */
export interface ContainerRuntime {
  version: number;
  /** The domain id: the pid of the init's parent, as libvirt uses its controller's pid. */
  id: number;
  /** The init's pid on the host, and its start time (field 22 of `/proc/PID/stat`) to recognise it. */
  initPid: number;
  initStart: string;
  /** The supervising controller process, once started. */
  controllerPid?: number;
  controllerStart?: string;
  /** `VIR_DOMAIN_*` state and reason. */
  state: number;
  reason: number;
  /** The cgroup path inside each hierarchy (`/machine/NAME.libvirt-lxc`). */
  cgroup: string;
  /** The cgroup partition the group was made in. */
  partition?: string;
  /** Host ends of the container's veth pairs. */
  veths: string[];
  /** Whether a persistent definition exists. */
  persistent: boolean;
  /** Milliseconds since the epoch when the container started. */
  startedAt: number;
}

/** Formats a status file: the runtime record and the live domain XML. */
export function formatStatus(rt: ContainerRuntime, domainXml: string): string {
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
): { runtime: ContainerRuntime; domainXml: string } {
  return parseStatusFile<ContainerRuntime>(text, file, "lxc", STATUS_VERSION);
}

/** A process's start time (field 22 of `/proc/PID/stat`), or undefined when it is gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Whether `pid` is still the process that started at `start` (and not a zombie). */
export function processAlive(pid: number, start: string | undefined): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] !== "Z" && (start === undefined || fields[19] === start);
  } catch {
    return false;
  }
}
