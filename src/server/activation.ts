/**
 * Sockets handed over by systemd socket activation: `LISTEN_PID` names this
 * process and `LISTEN_FDS` counts descriptors from 3 on, named by
 * `LISTEN_FDNAMES` (the socket unit's `FileDescriptorName=`, by default the
 * unit name). A socket whose name ends in `-ro` (or `-ro.socket`) serves only
 * reading requests. The variables are removed once read, so child
 * processes do not inherit them.
 * @module
 */

/** The first descriptor systemd passes. */
export const SD_LISTEN_FDS_START = 3;

/** One inherited listening socket. */
export interface ActivatedSocket {
  fd: number;
  /** Its name from `LISTEN_FDNAMES`, or `fdN`. */
  name: string;
  readonly: boolean;
}

/** Reads an environment variable without throwing when env access is denied. */
function envGet(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * The sockets systemd passed to this process, or an empty list when it was
 * not socket-activated (or the variables are meant for another process).
 */
export function activatedSockets(pid = Deno.pid): ActivatedSocket[] {
  const listenPid = envGet("LISTEN_PID");
  const count = Number(envGet("LISTEN_FDS") ?? "0");
  if (
    listenPid === undefined || Number(listenPid) !== pid || !Number.isInteger(count) || count <= 0
  ) {
    return [];
  }
  const names = (envGet("LISTEN_FDNAMES") ?? "").split(":");
  try {
    for (const v of ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]) Deno.env.delete(v);
  } catch {
    // no --allow-env: nothing to clean
  }
  const out: ActivatedSocket[] = [];
  for (let i = 0; i < count; i++) {
    const fd = SD_LISTEN_FDS_START + i;
    const name = names[i] || `fd${fd}`;
    out.push({ fd, name, readonly: /-ro(\.socket)?$/.test(name) });
  }
  return out;
}
