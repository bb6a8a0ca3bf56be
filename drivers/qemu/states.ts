/**
 * libvirt's state reasons and lifecycle event details used by the QEMU
 * driver (`virDomain*Reason`, `virDomainEvent*DetailType`), and the mapping
 * from a change of state to the lifecycle event it produces.
 * @module
 */
import {
  VIR_DOMAIN_CRASHED,
  VIR_DOMAIN_EVENT_CRASHED,
  VIR_DOMAIN_EVENT_PMSUSPENDED,
  VIR_DOMAIN_EVENT_RESUMED,
  VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_EVENT_STOPPED,
  VIR_DOMAIN_EVENT_SUSPENDED,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_PMSUSPENDED,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_SHUTOFF,
} from "../../src/connect.ts";

/** `virDomainRunningReason`. */
export const RUNNING = { unknown: 0, booted: 1, unpaused: 5, wakeup: 8, crashed: 9 } as const;
/** `virDomainPausedReason`. */
export const PAUSED = {
  unknown: 0,
  user: 1,
  ioerror: 5,
  watchdog: 6,
  shuttingDown: 8,
  crashed: 10,
  startingUp: 11,
} as const;
/** `virDomainShutoffReason`. */
export const SHUTOFF = {
  unknown: 0,
  shutdown: 1,
  destroyed: 2,
  crashed: 3,
  failed: 6,
  daemon: 8,
} as const;
/** `virDomainCrashedReason`. */
export const CRASHED_PANICKED = 1;

/** Event details (`virDomainEvent*DetailType`). */
export const DETAIL = {
  definedAdded: 0,
  definedUpdated: 1,
  undefinedRemoved: 0,
  startedBooted: 0,
  startedWakeup: 4,
  suspendedPaused: 0,
  suspendedIoerror: 2,
  suspendedWatchdog: 3,
  resumedUnpaused: 0,
  stoppedShutdown: 0,
  stoppedDestroyed: 1,
  stoppedCrashed: 2,
  stoppedFailed: 5,
  shutdownFinished: 0,
  shutdownGuest: 1,
  shutdownHost: 2,
  pmsuspendedMemory: 0,
  crashedPanicked: 0,
} as const;

/** What a domain looks like at one moment, as far as events are concerned. */
export interface Seen {
  /** Runtime id, -1 when inactive. */
  id: number;
  state: number;
  reason: number;
}

/** The `[event, detail]` pairs that lead from `before` to `after` (both known to exist). */
export function transitionEvents(before: Seen, after: Seen): [number, number][] {
  const out: [number, number][] = [];
  const wasActive = before.id !== -1;
  const isActive = after.id !== -1;
  if (wasActive && (!isActive || before.id !== after.id)) {
    out.push([VIR_DOMAIN_EVENT_STOPPED, stoppedDetail(isActive ? SHUTOFF.unknown : after.reason)]);
  }
  if (isActive && (!wasActive || before.id !== after.id)) {
    out.push([VIR_DOMAIN_EVENT_STARTED, DETAIL.startedBooted]);
    if (after.state === VIR_DOMAIN_PAUSED) {
      out.push([VIR_DOMAIN_EVENT_SUSPENDED, pausedDetail(after.reason)]);
    }
    return out;
  }
  if (!isActive || before.state === after.state) return out;
  switch (after.state) {
    case VIR_DOMAIN_PAUSED:
      out.push([VIR_DOMAIN_EVENT_SUSPENDED, pausedDetail(after.reason)]);
      break;
    case VIR_DOMAIN_RUNNING:
      if (before.state === VIR_DOMAIN_PMSUSPENDED) {
        out.push([VIR_DOMAIN_EVENT_STARTED, DETAIL.startedWakeup]);
      } else if (before.state !== VIR_DOMAIN_CRASHED) {
        out.push([VIR_DOMAIN_EVENT_RESUMED, DETAIL.resumedUnpaused]);
      }
      break;
    case VIR_DOMAIN_PMSUSPENDED:
      out.push([VIR_DOMAIN_EVENT_PMSUSPENDED, DETAIL.pmsuspendedMemory]);
      break;
    case VIR_DOMAIN_CRASHED:
      out.push([VIR_DOMAIN_EVENT_CRASHED, DETAIL.crashedPanicked]);
      break;
  }
  return out;
}

function pausedDetail(reason: number): number {
  return reason === PAUSED.ioerror
    ? DETAIL.suspendedIoerror
    : reason === PAUSED.watchdog
    ? DETAIL.suspendedWatchdog
    : DETAIL.suspendedPaused;
}

function stoppedDetail(reason: number): number {
  switch (reason) {
    case SHUTOFF.shutdown:
      return DETAIL.stoppedShutdown;
    case SHUTOFF.destroyed:
      return DETAIL.stoppedDestroyed;
    case SHUTOFF.crashed:
      return DETAIL.stoppedCrashed;
    default:
      return DETAIL.stoppedFailed;
  }
}

/** The state and reason a QMP `query-status` answer means, given what was seen before. */
export function stateFromQmp(status: string, before: Seen): { state: number; reason: number } {
  switch (status) {
    case "running":
      if (before.state === VIR_DOMAIN_RUNNING) {
        return { state: VIR_DOMAIN_RUNNING, reason: before.reason };
      }
      return {
        state: VIR_DOMAIN_RUNNING,
        reason: before.state === VIR_DOMAIN_PAUSED
          ? RUNNING.unpaused
          : before.state === VIR_DOMAIN_PMSUSPENDED
          ? RUNNING.wakeup
          : RUNNING.booted,
      };
    case "io-error":
      return { state: VIR_DOMAIN_PAUSED, reason: PAUSED.ioerror };
    case "watchdog":
      return { state: VIR_DOMAIN_PAUSED, reason: PAUSED.watchdog };
    case "suspended":
      return { state: VIR_DOMAIN_PMSUSPENDED, reason: 0 };
    case "guest-panicked":
      return { state: VIR_DOMAIN_CRASHED, reason: CRASHED_PANICKED };
    case "shutdown":
      return { state: VIR_DOMAIN_PAUSED, reason: PAUSED.shuttingDown };
    default:
      if (before.state === VIR_DOMAIN_PAUSED) {
        return { state: VIR_DOMAIN_PAUSED, reason: before.reason };
      }
      return {
        state: VIR_DOMAIN_PAUSED,
        reason: status === "prelaunch" ? PAUSED.startingUp : PAUSED.user,
      };
  }
}

/** A shut-off domain as {@link Seen}. */
export function shutoff(reason: number): Seen {
  return { id: -1, state: VIR_DOMAIN_SHUTOFF, reason };
}
