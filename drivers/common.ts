/**
 * Small pieces every stateful driver connection needs in the same form:
 * the flag check and errors of the domain API, and the set of event
 * subscriptions a connection drops when it closes.
 *
 * @example
 * ```ts
 * checkDriverFlags(flags, VIR_DOMAIN_START_PAUSED, "create", "qemu", "QEMU");
 * ```
 * @module
 */
import {
  VIR_DOMAIN_AFFECT_CONFIG,
  VIR_DOMAIN_AFFECT_LIVE,
  VIR_DOMAIN_VCPU_MAXIMUM,
} from "../src/connect.ts";
import { type ErrorDomain, VirtError } from "../src/errors.ts";
import { checkObjectName } from "../src/state/mod.ts";

/**
 * Rejects flag bits outside `allowed`, naming the operation and the driver.
 *
 * @param domain the driver's error domain
 * @param driverName the driver as the message names it (`QEMU`, `LXC`, `test`)
 * @throws VirtError `argument-unsupported` listing the unsupported bits in hex
 */
export function checkDriverFlags(
  flags: number,
  allowed: number,
  operation: string,
  domain: ErrorDomain,
  driverName: string,
): void {
  const extra = flags & ~allowed;
  if (extra) {
    throw new VirtError(
      "argument-unsupported",
      domain,
      `unsupported flags (0x${extra.toString(16)}) for ${operation} in the ${driverName} driver`,
    );
  }
}

/**
 * Checks that a new domain's name can name its files in the state tree.
 *
 * @throws VirtError `invalid-arg` naming the `<name>` element
 */
export function checkDomainName(name: string, domain: ErrorDomain): void {
  try {
    checkObjectName(name, "domain", domain);
  } catch (e) {
    throw new VirtError("invalid-arg", domain, `<name>${name}</name>: ${(e as Error).message}`);
  }
}

/** The `no-domain` error of a lookup that found nothing (`what`: `name 'x'`, `uuid '...'`). */
export function noDomainError(domain: ErrorDomain, what: string): VirtError {
  return new VirtError("no-domain", domain, `no domain with matching ${what}`);
}

/** The `operation-invalid` error of an operation that needs a running domain. */
export function notRunningError(domain: ErrorDomain, name: string): VirtError {
  return new VirtError("operation-invalid", domain, `domain '${name}' is not running`);
}

/**
 * Checks the flags of a vCPU count query (`virDomainGetVcpusFlags`) and says
 * which count they ask for: of the live (`VIR_DOMAIN_AFFECT_LIVE`) or the
 * persistent (`VIR_DOMAIN_AFFECT_CONFIG`) definition, or of the current one
 * when neither is given; the maximum with `VIR_DOMAIN_VCPU_MAXIMUM`.
 *
 * @throws VirtError `argument-unsupported` for other flags, `invalid-arg` for live and config together
 */
export function vcpuCountFlags(
  flags: number,
  domain: ErrorDomain,
  driverName: string,
): { live: boolean; config: boolean; maximum: boolean } {
  checkDriverFlags(
    flags,
    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM,
    "vcpucount",
    domain,
    driverName,
  );
  const live = (flags & VIR_DOMAIN_AFFECT_LIVE) !== 0;
  const config = (flags & VIR_DOMAIN_AFFECT_CONFIG) !== 0;
  if (live && config) {
    throw new VirtError(
      "invalid-arg",
      domain,
      "the live and config flags are mutually exclusive here",
    );
  }
  return { live, config, maximum: (flags & VIR_DOMAIN_VCPU_MAXIMUM) !== 0 };
}

/** The `operation-invalid` error of asking a transient domain for its persistent definition. */
export function noPersistentConfigError(domain: ErrorDomain): VirtError {
  return new VirtError(
    "operation-invalid",
    domain,
    "transient domains do not have any persistent config",
  );
}

/**
 * The event subscriptions of one connection, so that closing the
 * connection ends those its user did not end.
 */
export class Subscriptions {
  readonly #active = new Set<() => void>();

  /**
   * Keeps `off` (which ends one subscription) until it is called; returns the
   * function to give the subscriber: it forgets the subscription and calls `off`.
   */
  add(off: () => void): () => void {
    const unsubscribe = () => {
      this.#active.delete(unsubscribe);
      off();
    };
    this.#active.add(unsubscribe);
    return unsubscribe;
  }

  /** Ends every subscription still active. */
  closeAll(): void {
    for (const off of [...this.#active]) off();
  }
}
