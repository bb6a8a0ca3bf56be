/**
 * The secret driver: `secret:///system`, `secret:///session` and
 * `secret:///embed?root=DIR` connections, which offer the secrets of that
 * state location and nothing else, as libvirt's secret driver does. Every
 * stateful hypervisor connection (`qemu:///...`, `lxc:///...`) offers the
 * same secrets through its embedded host services; this driver serves
 * programs that only need secrets.
 *
 * @example
 * ```ts
 * import { open } from "../../mod.ts";
 * const conn = await open("secret:///embed?root=/tmp/vk");
 * console.log((await conn.listAllSecrets()).length);
 * ```
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import {
  type Driver,
  type DriverConnection,
  type DriverServices,
  noSupport,
} from "../../src/connect.ts";
import { StoreSecrets } from "../../src/host/service-parts.ts";
import { openSecretStore } from "../../src/secret/mod.ts";
import { stateLocation } from "../../src/state/mod.ts";
import { type ConnectUri, formatUri, uriMode } from "../../src/uri.ts";

/** Rejects with libvirt's `no-support` error for `api`. */
function unsupported<T>(api: string): Promise<T> {
  return Promise.reject(noSupport(api));
}

/** A connection that has secrets and answers `no-support` to everything else. */
class SecretConnection implements DriverConnection {
  readonly type = "secret";
  readonly services: DriverServices;

  constructor(readonly uri: string, secrets: StoreSecrets) {
    this.services = { secrets };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  hostname(): Promise<string> {
    return unsupported("virConnectGetHostname");
  }

  hypervisorVersion(): Promise<number> {
    return unsupported("virConnectGetVersion");
  }

  nodeInfo(): Promise<never> {
    return unsupported("virNodeGetInfo");
  }

  capabilities(): Promise<string> {
    return unsupported("virConnectGetCapabilities");
  }

  securityModel(): Promise<never> {
    return unsupported("virNodeGetSecurityModel");
  }

  listDomains(): Promise<never> {
    return unsupported("virConnectListAllDomains");
  }

  lookupDomain(): Promise<never> {
    return unsupported("virDomainLookupByName");
  }

  defineDomain(): Promise<never> {
    return unsupported("virDomainDefineXMLFlags");
  }

  createDomain(): Promise<never> {
    return unsupported("virDomainCreateXML");
  }

  startDomain(): Promise<never> {
    return unsupported("virDomainCreateWithFlags");
  }

  destroyDomain(): Promise<never> {
    return unsupported("virDomainDestroyFlags");
  }

  shutdownDomain(): Promise<never> {
    return unsupported("virDomainShutdownFlags");
  }

  rebootDomain(): Promise<never> {
    return unsupported("virDomainReboot");
  }

  suspendDomain(): Promise<never> {
    return unsupported("virDomainSuspend");
  }

  resumeDomain(): Promise<never> {
    return unsupported("virDomainResume");
  }

  undefineDomain(): Promise<never> {
    return unsupported("virDomainUndefineFlags");
  }

  domainSummary(): Promise<never> {
    return unsupported("virDomainGetInfo");
  }

  domainXML(): Promise<never> {
    return unsupported("virDomainGetXMLDesc");
  }

  domainInfo(): Promise<never> {
    return unsupported("virDomainGetInfo");
  }

  domainState(): Promise<never> {
    return unsupported("virDomainGetState");
  }

  domainOSType(): Promise<never> {
    return unsupported("virDomainGetOSType");
  }

  domainSetAutostart(): Promise<never> {
    return unsupported("virDomainSetAutostart");
  }

  domainVcpus(): Promise<never> {
    return unsupported("virDomainGetVcpusFlags");
  }

  domainMemoryStats(): Promise<never> {
    return unsupported("virDomainMemoryStats");
  }

  domainSecurityLabel(): Promise<never> {
    return unsupported("virDomainGetSecurityLabel");
  }

  listNetworks(): Promise<never> {
    return unsupported("virConnectListAllNetworks");
  }

  lookupNetwork(): Promise<never> {
    return unsupported("virNetworkLookupByName");
  }

  networkSummary(): Promise<never> {
    return unsupported("virNetworkIsActive");
  }

  networkXML(): Promise<never> {
    return unsupported("virNetworkGetXMLDesc");
  }

  networkBridgeName(): Promise<never> {
    return unsupported("virNetworkGetBridgeName");
  }

  subscribe(): () => void {
    throw noSupport("virConnectDomainEventRegisterAny");
  }
}

function open(uri: ConnectUri): Promise<DriverConnection> {
  if (uriMode(uri) === "custom") {
    return Promise.reject(
      new VirtError(
        "invalid-arg",
        "secret",
        `unexpected secret URI path '${uri.path}': expected secret:///system, secret:///session or secret:///embed?root=DIR`,
      ),
    );
  }
  return Promise.resolve().then(() => {
    const store = openSecretStore(stateLocation(uri));
    return new SecretConnection(formatUri(uri), new StoreSecrets(store));
  });
}

/** The secret driver, registered for `secret://` URIs. */
export const driver: Driver = { name: "secret", open };
