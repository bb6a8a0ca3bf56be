/**
 * Node devices: names, parents and XML from a fixture sysfs tree, `--cap`
 * filtering, the `--tree` view, detach/reattach through a fake kernel,
 * mdevctl through a fake script, VPD and id database decoding, and every
 * device of this host validated against nodedev.rng.
 */
import { assert, assertEquals, assertRejectsVirtError } from "../assert.ts";
import { hostRoots } from "../../src/host/sysfs.ts";
import {
  detachPciDevice,
  formatDeviceTree,
  formatNodeDeviceXml,
  listNodeDevices,
  mdevDefine,
  mdevList,
  mdevStart,
  nodeDeviceXml,
  parseIdDatabase,
  parseVpd,
  reattachPciDevice,
} from "../../src/host/nodedev/mod.ts";
import { buildFixture, type Fixture } from "./fixture_sysfs.ts";
import { assertValid, NO_XMLLINT } from "./xmllint.ts";

async function withFixture(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const f = await buildFixture();
  try {
    await fn(f);
  } finally {
    await Deno.remove(f.root, { recursive: true });
  }
}

Deno.test("nodedev: names and parents as libvirt forms them", () =>
  withFixture(async (f) => {
    const devs = await listNodeDevices(f.roots);
    assertEquals(devs.map((d) => [d.name, d.parent ?? null]), [
      ["block_sda", "scsi_0_0_0_0"],
      ["computer", null],
      ["mdev_30820a6f_b1a5_4503_91ca_0c10ba58692a_0000_00_02_0", "pci_0000_00_02_0"],
      ["net_eth0_52_54_00_12_34_56", "pci_0000_00_19_0"],
      ["pci_0000_00_02_0", "computer"],
      ["pci_0000_00_14_0", "computer"],
      ["pci_0000_00_19_0", "computer"],
      ["pci_0000_00_1d_0", "computer"],
      ["pci_0000_00_1f_2", "computer"],
      ["pci_0000_03_00_0", "computer"],
      ["pci_0000_03_10_0", "computer"],
      ["scsi_0_0_0_0", "scsi_target0_0_0"],
      ["scsi_generic_sg0", "scsi_0_0_0_0"],
      ["scsi_host0", "pci_0000_00_1f_2"],
      ["scsi_target0_0_0", "scsi_host0"],
      ["usb_1_1", "usb_usb1"],
      ["usb_1_1_1_0", "usb_1_1"],
      ["usb_usb1", "pci_0000_00_14_0"],
    ]);
  }));

Deno.test("nodedev: a PCI Express device with names, IOMMU group, NUMA node and links", () =>
  withFixture(async (f) => {
    assertEquals(
      await nodeDeviceXml(f.roots, "pci_0000_00_1f_2"),
      `<device>
  <name>pci_0000_00_1f_2</name>
  <path>/sys/devices/pci0000:00/0000:00:1f.2</path>
  <parent>computer</parent>
  <driver>
    <name>ahci</name>
  </driver>
  <capability type='pci'>
    <class>0x010601</class>
    <domain>0</domain>
    <bus>0</bus>
    <slot>31</slot>
    <function>2</function>
    <product id='0x2922'>82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]</product>
    <vendor id='0x8086'>Intel Corporation</vendor>
    <iommuGroup number='8'>
      <address domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>
    </iommuGroup>
    <numa node='0'/>
    <pci-express>
      <link validity='cap' port='1' speed='8' width='4'/>
      <link validity='sta' speed='2.5' width='1'/>
    </pci-express>
  </capability>
</device>
`,
    );
  }));

Deno.test("nodedev: SR-IOV physical and virtual functions, VPD", () =>
  withFixture(async (f) => {
    const pf = await nodeDeviceXml(f.roots, "pci_0000_03_00_0");
    assert(
      pf.includes(`    <capability type='virt_functions' maxCount='7'>
      <address domain='0x0000' bus='0x03' slot='0x10' function='0x0'/>
    </capability>
    <capability type='vpd'>
      <name>Example 10G Card</name>
      <fields access='readonly'>
        <change_level>A1</change_level>
        <part_number>P/N-100</part_number>
        <serial_number>SN12345</serial_number>
        <vendor_field index='0'>fw 1.2</vendor_field>
      </fields>
      <fields access='readwrite'>
        <asset_tag>ASSET-7</asset_tag>
        <vendor_field index='1'>vendor rw</vendor_field>
        <system_field index='B'>sys b</system_field>
      </fields>
    </capability>
    <iommuGroup number='20'>`),
      pf,
    );
    const vf = await nodeDeviceXml(f.roots, "pci_0000_03_10_0");
    assert(
      vf.includes(`    <capability type='phys_function'>
      <address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>
    </capability>`),
      vf,
    );
  }));

Deno.test("nodedev: disk, SCSI chain, network interface, USB, mdev", () =>
  withFixture(async (f) => {
    assertEquals(
      await nodeDeviceXml(f.roots, "block_sda"),
      `<device>
  <name>block_sda</name>
  <path>/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda</path>
  <devnode type='dev'>/dev/sda</devnode>
  <parent>scsi_0_0_0_0</parent>
  <capability type='storage'>
    <block>/dev/sda</block>
    <bus>ata</bus>
    <drive_type>disk</drive_type>
    <model>QEMU HARDDISK</model>
    <vendor>ATA</vendor>
    <size>1073741824</size>
    <logical_block_size>512</logical_block_size>
    <num_blocks>2097152</num_blocks>
  </capability>
</device>
`,
    );
    assertEquals(
      await nodeDeviceXml(f.roots, "net_eth0_52_54_00_12_34_56"),
      `<device>
  <name>net_eth0_52_54_00_12_34_56</name>
  <path>/sys/devices/pci0000:00/0000:00:19.0/net/eth0</path>
  <parent>pci_0000_00_19_0</parent>
  <capability type='net'>
    <interface>eth0</interface>
    <address>52:54:00:12:34:56</address>
    <link speed='1000' state='up'/>
    <capability type='80203'/>
  </capability>
</device>
`,
    );
    assert(
      (await nodeDeviceXml(f.roots, "scsi_host0")).includes(
        "<host>0</host>\n    <unique_id>1</unique_id>",
      ),
    );
    assert(
      (await nodeDeviceXml(f.roots, "scsi_target0_0_0")).includes("<target>target0:0:0</target>"),
    );
    assert(
      (await nodeDeviceXml(f.roots, "scsi_0_0_0_0")).includes(
        "<lun>0</lun>\n    <type>disk</type>",
      ),
    );
    assert((await nodeDeviceXml(f.roots, "scsi_generic_sg0")).includes("<char>/dev/sg0</char>"));
    assertEquals(
      await nodeDeviceXml(f.roots, "usb_1_1"),
      `<device>
  <name>usb_1_1</name>
  <path>/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1</path>
  <devnode type='dev'>/dev/bus/usb/001/002</devnode>
  <parent>usb_usb1</parent>
  <capability type='usb_device'>
    <bus>1</bus>
    <device>2</device>
    <product id='0x0001'>QEMU USB Tablet</product>
    <vendor id='0x0627'>QEMU</vendor>
  </capability>
</device>
`,
    );
    assert(
      (await nodeDeviceXml(f.roots, "usb_1_1_1_0")).includes(
        "<number>0</number>\n    <class>3</class>",
      ),
    );
    assertEquals(
      await nodeDeviceXml(f.roots, "mdev_30820a6f_b1a5_4503_91ca_0c10ba58692a_0000_00_02_0"),
      `<device>
  <name>mdev_30820a6f_b1a5_4503_91ca_0c10ba58692a_0000_00_02_0</name>
  <path>/sys/devices/pci0000:00/0000:00:02.0/30820a6f-b1a5-4503-91ca-0c10ba58692a</path>
  <parent>pci_0000_00_02_0</parent>
  <capability type='mdev'>
    <type id='i915-GVTg_V5_4'/>
    <uuid>30820a6f-b1a5-4503-91ca-0c10ba58692a</uuid>
    <parent_addr>0000:00:02.0</parent_addr>
    <iommuGroup number='12'/>
  </capability>
</device>
`,
    );
    assert(
      (await nodeDeviceXml(f.roots, "pci_0000_00_02_0")).includes(
        `    <capability type='mdev_types'>
      <type id='i915-GVTg_V5_4'>
        <name>GVTg_V5_4</name>
        <deviceAPI>vfio-pci</deviceAPI>
        <availableInstances>1</availableInstances>
      </type>
    </capability>`,
      ),
    );
    assertEquals(
      await nodeDeviceXml(f.roots, "computer"),
      `<device>
  <name>computer</name>
  <capability type='system'>
    <hardware>
      <uuid>3d1219c7-c4c5-404a-aa1f-6d2a48adfda4</uuid>
    </hardware>
    <firmware>
    </firmware>
  </capability>
</device>
`,
    );
    await assertRejectsVirtError(
      nodeDeviceXml(f.roots, "pci_0000_09_00_0"),
      "no-node-device",
      /no node device with matching name 'pci_0000_09_00_0'/,
    );
  }));

Deno.test("nodedev: --cap filters by own and nested capabilities", () =>
  withFixture(async (f) => {
    const names = async (cap: string) =>
      (await listNodeDevices(f.roots, { cap })).map((d) => d.name);
    assertEquals(await names("storage"), ["block_sda"]);
    assertEquals(await names("mdev_types"), ["pci_0000_00_02_0"]);
    assertEquals(await names("vpd"), ["pci_0000_03_00_0"]);
    assertEquals(await names("usb_device,usb"), ["usb_1_1", "usb_1_1_1_0", "usb_usb1"]);
    assertEquals(await names("system"), ["computer"]);
    await assertRejectsVirtError(
      listNodeDevices(f.roots, { cap: "floppy" }),
      "invalid-arg",
      /unknown node device capability 'floppy'/,
    );
  }));

Deno.test("nodedev: the --tree view", () =>
  withFixture(async (f) => {
    const devs = (await listNodeDevices(f.roots)).filter((d) =>
      /^(computer|pci_0000_00_1[4f]|usb|scsi_host|block)/.test(d.name)
    );
    assertEquals(
      formatDeviceTree(devs),
      [
        "block_sda",
        "",
        "computer",
        "  |",
        "  +- pci_0000_00_14_0",
        "  |   |",
        "  |   +- usb_usb1",
        "  |       |",
        "  |       +- usb_1_1",
        "  |           |",
        "  |           +- usb_1_1_1_0",
        "  |             ",
        "  +- pci_0000_00_1f_2",
        "      |",
        "      +- scsi_host0",
        "        ",
        "",
      ].join("\n"),
    );
  }));

Deno.test("nodedev: detach binds vfio-pci through driver_override; reattach gives the device back", () =>
  withFixture(async (f) => {
    const sys = f.roots.sys;
    const driver = async () =>
      (await Deno.readLink(`${sys}/bus/pci/devices/0000:00:1f.2/driver`).catch(() => "")).split("/")
        .pop();
    assertEquals(await detachPciDevice(f.roots, "pci_0000_00_1f_2"), "ahci");
    assertEquals(await driver(), "vfio-pci");
    assertEquals(f.writes, [
      `/bus/pci/devices/0000:00:1f.2/driver_override <- "vfio-pci"`,
      `/bus/pci/devices/0000:00:1f.2/driver/unbind <- "0000:00:1f.2"`,
      `/bus/pci/drivers_probe <- "0000:00:1f.2"`,
    ]);
    assert((await nodeDeviceXml(f.roots, "pci_0000_00_1f_2")).includes("<name>vfio-pci</name>"));
    // Detaching again changes nothing.
    f.writes.length = 0;
    assertEquals(await detachPciDevice(f.roots, "pci_0000_00_1f_2"), "vfio-pci");
    assertEquals(f.writes, []);
    assertEquals(await reattachPciDevice(f.roots, "pci_0000_00_1f_2"), "ahci");
    assertEquals(await driver(), "ahci");
    assertEquals(f.writes, [
      `/bus/pci/devices/0000:00:1f.2/driver/unbind <- "0000:00:1f.2"`,
      `/bus/pci/devices/0000:00:1f.2/driver_override <- "\\n"`,
      `/bus/pci/drivers_probe <- "0000:00:1f.2"`,
    ]);
    // A device with no driver (the VF) is bound straight away, and gets its own driver back.
    assertEquals(await detachPciDevice(f.roots, "pci_0000_03_10_0"), undefined);
    assertEquals(await reattachPciDevice(f.roots, "pci_0000_03_10_0"), "ixgbevf");
  }));

Deno.test("nodedev: detach refuses non-PCI, unknown, IOMMU-less and foreign-bound devices", () =>
  withFixture(async (f) => {
    await assertRejectsVirtError(detachPciDevice(f.roots, "usb_1_1"), "invalid-arg", /not a PCI device/);
    await assertRejectsVirtError(
      detachPciDevice(f.roots, "pci_0000_09_00_0"),
      "no-node-device",
      /pci_0000_09_00_0/,
    );
    await assertRejectsVirtError(
      detachPciDevice(f.roots, "pci_0000_00_1d_0"),
      "operation-invalid",
      /no IOMMU group/,
    );
    await assertRejectsVirtError(
      reattachPciDevice(f.roots, "pci_0000_00_19_0"),
      "operation-invalid",
      /not detached: it is bound to e1000e/,
    );
    assertEquals(f.writes, []);
  }));

Deno.test("nodedev: mdevctl calls, and a clear error without it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-mdevctl-" });
  try {
    const bin = `${dir}/mdevctl`;
    await Deno.writeTextFile(
      bin,
      `#!/bin/sh
echo "$@" >> ${dir}/log
if [ "$1" = list ]; then
  echo '[{"0000:00:02.0":[{"30820a6f-b1a5-4503-91ca-0c10ba58692a":{"mdev_type":"i915-GVTg_V5_4","start":"auto","attrs":[{"foo":"bar"}]}}]}]'
fi
`,
    );
    await Deno.chmod(bin, 0o755);
    const uuid = await mdevDefine({
      parent: "0000:00:02.0",
      type: "i915-GVTg_V5_4",
      uuid: "30820A6F-B1A5-4503-91CA-0C10BA58692A",
    }, { bin });
    await mdevStart(uuid, { bin });
    assertEquals(await mdevList(true, { bin }), [{
      uuid: "30820a6f-b1a5-4503-91ca-0c10ba58692a",
      parent: "0000:00:02.0",
      type: "i915-GVTg_V5_4",
      autostart: true,
      attrs: [{ name: "foo", value: "bar" }],
    }]);
    assertEquals((await Deno.readTextFile(`${dir}/log`)).trim().split("\n"), [
      "define --uuid 30820a6f-b1a5-4503-91ca-0c10ba58692a --parent 0000:00:02.0 --type i915-GVTg_V5_4",
      "start --uuid 30820a6f-b1a5-4503-91ca-0c10ba58692a",
      "list --defined --dumpjson",
    ]);
    await assertRejectsVirtError(
      mdevStart("30820a6f-b1a5-4503-91ca-0c10ba58692a", { bin: `${dir}/none` }),
      "operation-failed",
      /mdevctl start failed/,
    );
    const path = Deno.env.get("PATH");
    Deno.env.set("PATH", `${dir}/empty`);
    try {
      await assertRejectsVirtError(
        mdevStart("30820a6f-b1a5-4503-91ca-0c10ba58692a"),
        "no-support",
        /need mdevctl, which is not installed/,
      );
      assertEquals(await mdevList(true), []);
    } finally {
      if (path === undefined) Deno.env.delete("PATH");
      else Deno.env.set("PATH", path);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nodedev: VPD and id database decoding", () => {
  assertEquals(parseVpd(new Uint8Array([0x82, 3, 0, 0x41, 0x42, 0x43, 0x78])), {
    name: "ABC",
    readOnly: undefined,
    readWrite: undefined,
  });
  assertEquals(parseVpd(new Uint8Array([0x82, 9, 0, 0x41])), undefined, "truncated");
  const db = parseIdDatabase(
    "1af4  Red Hat, Inc.\n\t1041  Virtio network device\n\t\t1af4 1100  QEMU\nC 02  Network controller\n\t00  Ethernet controller\n",
  );
  assertEquals(db.get(0x1af4)?.name, "Red Hat, Inc.");
  assertEquals(db.get(0x1af4)?.products.get(0x1041), "Virtio network device");
  assertEquals(db.size, 1);
});

Deno.test({
  name: "nodedev: every fixture device validates against nodedev.rng",
  ignore: NO_XMLLINT,
  fn: () =>
    withFixture(async (f) => {
      const devs = await listNodeDevices(f.roots);
      await assertValid("nodedev.rng", new Map(devs.map((d) => [d.name, formatNodeDeviceXml(d)])));
    }),
});

Deno.test({
  name: "nodedev: every device of this host validates against nodedev.rng",
  ignore: NO_XMLLINT,
  fn: async () => {
    const devs = await listNodeDevices(hostRoots());
    assert(devs.some((d) => d.name === "computer"));
    assert(devs.length > 1, "no devices found under /sys");
    await assertValid("nodedev.rng", new Map(devs.map((d) => [d.name, formatNodeDeviceXml(d)])));
  },
});
