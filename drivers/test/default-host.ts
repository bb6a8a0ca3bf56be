/**
 * The host that `test:///default` starts with, the same one libvirt's test
 * driver offers: a running domain `test`, an active network `default`, a
 * two-cell NUMA host of 16 CPUs. Definitions are kept as canonical XML and
 * parsed only when something needs more than their name and UUID.
 * @module
 */
import type { CapsCell } from "../../src/host/capabilities.ts";
import type { NodeInfo } from "../../src/host/nodeinfo.ts";

/** A definition known by name and UUID, with the XML to parse when needed. */
export interface LazyDefinition {
  name: string;
  uuid: string;
  xml: string;
}

/** The domain `test`, running with id 1 from the start. */
export const DEFAULT_DOMAIN: LazyDefinition = {
  name: "test",
  uuid: "6695eb01-f6a4-8304-79aa-97f2502e193f",
  xml: `<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='testnet0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>
</domain>
`,
};

/** The network `default`: NAT on `virbr0`, DHCP on 192.168.122.0/24, active. */
export const DEFAULT_NETWORK: LazyDefinition & { bridge: string } = {
  name: "default",
  uuid: "dd8fe884-6c02-601e-7551-cca97df1c5df",
  bridge: "virbr0",
  xml: `<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`,
};

/** Node information every test host starts from (a host file may override it). */
export const DEFAULT_NODE_INFO: Readonly<NodeInfo> = {
  model: "i686",
  memory: 3 * 1024 * 1024,
  cpus: 16,
  mhz: 1400,
  nodes: 2,
  sockets: 2,
  cores: 2,
  threads: 2,
};

/**
 * The NUMA cells of the default host: two cells of 8 CPUs, cell N having
 * (N + 1) * 2 GiB, each CPU its own socket core with no thread siblings.
 */
export function defaultCells(): CapsCell[] {
  return [0, 1].map((i) => {
    const memory = (i + 1) * 2048 * 1024;
    const smallPage = i === 1 ? 8 : 4;
    return {
      id: i,
      memory,
      pages: [
        { size: smallPage, count: memory / smallPage },
        { size: 2048, count: 0 },
        { size: 1048576, count: 0 },
      ],
      cpus: Array.from({ length: 8 }, (_, k) => {
        const id = i * 8 + k;
        return { id, socketId: i, dieId: 0, coreId: k, siblings: String(id) };
      }),
    };
  });
}
