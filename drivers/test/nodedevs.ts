/**
 * The test host's node devices and CPU statistics, as libvirt's test driver
 * answers them: on `test:///default` the `computer` root and three Fibre
 * Channel SCSI hosts (`scsi_host11` a vHBA on `scsi_host1`), none on a host
 * loaded from a file; and fixed CPU times. It has no
 * secrets, memory statistics or domain capabilities, and cannot detach
 * devices; {@link Connection} answers `no-support` for those.
 * @module
 */
import type { DriverNodeDevices, DriverServices, NodeDeviceSummary } from "../../src/connect.ts";
import { VirtError } from "../../src/errors.ts";
import { capNames, type NodeDeviceDef } from "../../src/host/nodedev/def.ts";
import { formatNodeDeviceXml } from "../../src/host/nodedev/format.ts";

function scsiHost(
  host: number,
  uniqueId: number,
  wwn: string,
  fabric: string,
  parent: string,
  vports: boolean,
): NodeDeviceDef {
  return {
    name: `scsi_host${host}`,
    parent,
    devlinks: [],
    caps: [{
      type: "scsi_host",
      host,
      uniqueId,
      fcHost: { wwnn: `20000000${wwn}`, wwpn: `10000000${wwn}`, fabricWwn: fabric },
      vports: vports ? { max: 0, inUse: 0 } : undefined,
    }],
    active: true,
    persistent: true,
    autostart: false,
  };
}

/** The devices of the test host, sorted by name. */
function testDevices(): NodeDeviceDef[] {
  return [
    {
      name: "computer",
      devlinks: [],
      caps: [{
        type: "system",
        hardware: {
          vendor: "Libvirt",
          version: "Test driver",
          serial: "123456",
          uuid: "11111111-2222-3333-4444-555555555555",
        },
        firmware: { vendor: "Libvirt", version: "Test Driver", releaseDate: "01/22/2007" },
      }],
      active: true,
      persistent: true,
      autostart: false,
    },
    scsiHost(1, 0, "12341234", "2000000043214321", "computer", true),
    scsiHost(11, 10, "34563456", "2000000043214321", "scsi_host1", false),
    scsiHost(2, 1, "56785678", "2000000087658765", "computer", true),
  ];
}

/** The test driver answers neither `isActive`, `isPersistent` nor autostart; virsh shows "yes". */
function summary(d: NodeDeviceDef): NodeDeviceSummary {
  return { name: d.name, parent: d.parent, caps: capNames(d), active: true, persistent: true };
}

class TestNodeDevices implements DriverNodeDevices {
  constructor(readonly devices: NodeDeviceDef[]) {}

  list(): Promise<NodeDeviceSummary[]> {
    return Promise.resolve(this.devices.map(summary));
  }

  lookup(name: string): Promise<NodeDeviceSummary> {
    return Promise.resolve().then(() => summary(this.#find(name)));
  }

  xml(name: string): Promise<string> {
    return Promise.resolve().then(() => formatNodeDeviceXml(this.#find(name)));
  }

  #find(name: string): NodeDeviceDef {
    const d = this.devices.find((x) => x.name === name);
    if (!d) {
      throw new VirtError(
        "no-node-device",
        "nodedev",
        `no node device with matching name '${name}'`,
      );
    }
    return d;
  }
}

/** The CPU times libvirt's test driver reports for any CPU, in its order. */
const CPU_STATS: [string, number][] = [
  ["user", 9797400000],
  ["kernel", 34678723400000],
  ["idle", 87264900000],
  ["iowait", 763600000],
];

/**
 * The host services of a test connection: node devices (those of the
 * default host, or none) and CPU statistics.
 */
export function testServices(defaultHost: boolean): DriverServices {
  return {
    nodeDevices: new TestNodeDevices(defaultHost ? testDevices() : []),
    cpuStats: () => Promise.resolve(CPU_STATS.map(([k, v]) => [k, v])),
  };
}
