/**
 * Controllers, leases, filesystems, host devices and the small devices
 * (hub, watchdog, memballoon, nvram, panic, shmem, memory devices, IOMMU,
 * vsock, crypto, TPM): canonical round trips, defaults, and the rejection
 * of bad values.
 */
import { assertEquals } from "../assert.ts";
import { devices, rejected, text } from "./devices_a_helpers.ts";

Deno.test("controller: every type round-trips with its options", () => {
  const xml = text(`
<controller type='usb' index='0' model='ich9-ehci1'>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x7'/>
</controller>
<controller type='usb' index='0' model='ich9-uhci1'>
  <master startport='0'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x0' multifunction='on'/>
</controller>
<controller type='pci' index='0' model='pcie-root'>
  <pcihole64 unit='KiB'>1048576</pcihole64>
</controller>
<controller type='pci' index='1' model='pcie-root-port'>
  <model name='pcie-root-port'/>
  <target chassis='1' port='0x10' hotplug='off' memReserve='8192'/>
  <alias name='pci.1'/>
</controller>
<controller type='pci' index='2' model='pcie-expander-bus'>
  <model name='pxb-pcie'/>
  <target busNr='252'>
    <node>0</node>
  </target>
</controller>
<controller type='scsi' index='0' model='virtio-scsi'>
  <driver queues='4' cmd_per_lun='8' max_sectors='512' ioeventfd='on' iothread='2' iommu='on'/>
</controller>
<controller type='virtio-serial' index='0' ports='16' vectors='4'/>
<controller type='xenbus' index='0' maxGrantFrames='64' maxEventChannels='2047'/>
<controller type='ide' index='0' model='piix4'/>
<controller type='isa' index='0'/>
`);
  assertEquals(devices(xml), xml);
});

Deno.test("controller: libvirt's order, index assignment and implicit controllers", () => {
  assertEquals(devices(`
<controller type='usb' model='ehci'/>
<controller type='scsi' index='2'/>
<controller type='usb' model='ich9-uhci1'><master startport='0'/></controller>
<controller type='scsi' index='0'/>
<controller type='usb' model='qemu-xhci'/>
<controller type='scsi'/>
<controller type='pci' model='pci-root'><pcihole64>2048</pcihole64></controller>
<disk><source file='/a'/><target dev='hdd'/></disk>
<channel type='pty'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
<smartcard mode='host'/>`), text(`
<disk type='file' device='disk'>
  <source file='/a'/>
  <target dev='hdd' bus='ide'/>
  <address type='drive' controller='0' bus='1' target='0' unit='1'/>
</disk>
<controller type='usb' index='0' model='ehci'/>
<controller type='usb' index='0' model='ich9-uhci1'>
  <master startport='0'/>
</controller>
<controller type='usb' index='1' model='qemu-xhci'/>
<controller type='scsi' index='0'/>
<controller type='scsi' index='2'/>
<controller type='scsi' index='1'/>
<controller type='pci' index='0' model='pci-root'>
  <pcihole64 unit='KiB'>2048</pcihole64>
</controller>
<controller type='ide' index='0'/>
<controller type='virtio-serial' index='0'/>
<controller type='ccid' index='0'/>
<smartcard mode='host'>
  <address type='ccid' controller='0' slot='0'/>
</smartcard>
<channel type='pty'>
  <target type='virtio' name='org.qemu.guest_agent.0'/>
</channel>
`));
});

Deno.test("controller: bad values and the generic checks", () => {
  rejected(`<controller type='floppy'/>`, /'type'.*ide, fdc, scsi/);
  rejected(`<controller type='scsi' model='megaraid'/>`, /unknown model type 'megaraid' for a scsi controller, expected one of: auto/);
  rejected(`<controller type='sata' model='ahci'/>`, /a sata controller takes no model/);
  rejected(`<controller type='usb' index='x'/>`, /cannot parse controller index 'x'/);
  rejected(`<controller type='virtio-serial' ports='-1'/>`, /invalid ports: -1/);
  rejected(`<controller type='scsi' index='0'/><controller type='scsi' index='0'/>`, /multiple 'scsi' controllers with index '0'/);
  rejected(`<controller type='usb' model='none'/><controller type='usb' model='qemu-xhci'/>`, /USB is disabled/);
  rejected(`<controller type='pci' index='1' model='pci-root'/>`, /should have index 0/);
  rejected(`<controller type='pci' index='1' model='pci-bridge'><target chassisNr='0'/></controller>`, /chassisNr '0' out of range - must be 1-255/);
  rejected(`<controller type='pci' index='1' model='pcie-expander-bus'><target busNr='255'/></controller>`, /busNr '255' out of range/);
  rejected(`<controller type='pci' index='0' model='pci-root'><target index='1'/></controller>`, /only the PCI controller with index 0 can have target index 0/);
  rejected(`<controller type='pci' index='1' model='pci-bridge'><model name='ioh3421'/></controller>`, /'name'/);
});

Deno.test("lease and filesystem: every type, driver and limit round-trips", () => {
  const xml = text(`
<lease>
  <lockspace>somearea</lockspace>
  <key>somekey</key>
  <target path='/some/lease/path' offset='1024'/>
</lease>
<lease>
  <key>other</key>
  <target path='/other'/>
</lease>
<filesystem type='mount' accessmode='mapped' multidevs='remap' fmode='0644' dmode='0755'>
  <driver type='path' wrpolicy='immediate'/>
  <source dir='/export/to/guest'/>
  <target dir='/import/from/host'/>
  <readonly/>
</filesystem>
<filesystem type='mount' accessmode='passthrough'>
  <driver type='virtiofs' queue='1024' iommu='on'/>
  <binary path='/usr/libexec/virtiofsd' xattr='on'>
    <cache mode='always'/>
    <sandbox mode='chroot'/>
    <lock posix='on' flock='on'/>
    <thread_pool size='16'/>
  </binary>
  <source dir='/path'/>
  <target dir='mount_tag'/>
  <boot order='2'/>
</filesystem>
<filesystem type='mount' accessmode='passthrough'>
  <driver type='virtiofs'/>
  <source socket='/tmp/sock'/>
  <target dir='tag2'/>
</filesystem>
<filesystem type='file' accessmode='passthrough'>
  <driver type='loop' format='raw'/>
  <source file='/img.raw'/>
  <target dir='/data'/>
</filesystem>
<filesystem type='block' accessmode='squash'>
  <source dev='/dev/sdb'/>
  <target dir='/blk'/>
</filesystem>
<filesystem type='template' accessmode='passthrough'>
  <source name='tmpl'/>
  <target dir='/t'/>
</filesystem>
<filesystem type='bind' accessmode='passthrough'>
  <source dir='/b'/>
  <target dir='/bb'/>
</filesystem>
<filesystem type='volume' accessmode='passthrough'>
  <source pool='pool' volume='vol'/>
  <target dir='/v'/>
</filesystem>
<filesystem type='ram' accessmode='passthrough'>
  <source usage='1024' units='KiB'/>
  <target dir='/tmp'/>
  <space_hard_limit unit='bytes'>2097152</space_hard_limit>
  <space_soft_limit unit='bytes'>1000</space_soft_limit>
</filesystem>
`);
  assertEquals(devices(xml), xml);
});

Deno.test("filesystem: defaults and the RAM size normalised to KiB", () => {
  assertEquals(devices(`
<filesystem>
  <driver format='qcow2' wrpolicy='immediate'/>
  <source dir='/s'/>
  <target dir='/t'/>
  <binary path='/x'/>
</filesystem>
<filesystem type='ram' multidevs='default'>
  <source usage='1' units='MiB'/>
  <target dir='/r'/>
  <space_hard_limit unit='KiB'>2</space_hard_limit>
</filesystem>`), text(`
<filesystem type='mount' accessmode='passthrough'>
  <source dir='/s'/>
  <target dir='/t'/>
</filesystem>
<filesystem type='ram' accessmode='passthrough'>
  <source usage='1024' units='KiB'/>
  <target dir='/r'/>
  <space_hard_limit unit='bytes'>2048</space_hard_limit>
</filesystem>
`));
});

Deno.test("filesystem: bad values are rejected", () => {
  rejected(`<filesystem type='nfs'><source dir='/a'/><target dir='/b'/></filesystem>`, /'type'.*mount, block, file/);
  rejected(`<filesystem accessmode='rw'><source dir='/a'/><target dir='/b'/></filesystem>`, /'accessmode'/);
  rejected(`<filesystem><target dir='/b'/></filesystem>`, /missing source information for filesystem '\/b'/);
  rejected(`<filesystem><source dir='/a'/></filesystem>`, /missing target information for filesystem with source '\/a'/);
  rejected(`<filesystem fmode='0999'><source dir='/a'/><target dir='/b'/></filesystem>`, /invalid fmode/);
  rejected(`<filesystem type='ram'><source units='KiB'/><target dir='/b'/></filesystem>`, /missing 'usage' attribute/);
  rejected(`<filesystem type='ram'><source usage='1' units='parsecs'/><target dir='/b'/></filesystem>`, /unknown unit 'parsecs'/);
  rejected(`<filesystem><driver type='nfs'/><source dir='/a'/><target dir='/b'/></filesystem>`, /'type'/);
});

Deno.test("hostdev: subsystem and capabilities devices round-trip", () => {
  const xml = text(`
<hostdev mode='subsystem' type='pci' managed='yes'>
  <driver name='vfio'/>
  <source writeFiltering='no'>
    <address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/>
  </source>
  <teaming type='transient' persistent='ua-net0'/>
  <boot order='3'/>
  <alias name='hostdev0'/>
  <rom bar='on' file='/etc/fake/boot.bin'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
</hostdev>
<hostdev mode='subsystem' type='usb' managed='no'>
  <source startupPolicy='optional' guestReset='off'>
    <vendor id='0x1234'/>
    <product id='0xbeef'/>
    <address bus='1' device='3'/>
  </source>
</hostdev>
<hostdev mode='subsystem' type='scsi' managed='no' sgio='unfiltered' rawio='yes'>
  <source>
    <adapter name='scsi_host0'/>
    <address bus='0' target='0' unit='0'/>
  </source>
  <readonly/>
  <shareable/>
  <address type='drive' controller='0' bus='0' target='0' unit='0'/>
</hostdev>
<hostdev mode='subsystem' type='scsi' managed='no'>
  <source protocol='iscsi' name='iqn.2014-08.com.example:iscsi-nopool/1'>
    <host name='example.com' port='3260'/>
    <auth username='myuser'>
      <secret type='iscsi' usage='libvirtiscsi'/>
    </auth>
    <initiator>
      <iqn name='iqn.2014-08.com.example:client'/>
    </initiator>
  </source>
  <address type='drive' controller='0' bus='0' target='0' unit='1'/>
</hostdev>
<hostdev mode='subsystem' type='scsi_host' managed='no' model='virtio'>
  <source protocol='vhost' wwpn='naa.50014057667280d8'/>
</hostdev>
<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='on' ramfb='on'>
  <source>
    <address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/>
  </source>
</hostdev>
<hostdev mode='capabilities' type='storage'>
  <source>
    <block>/dev/sdf1</block>
  </source>
</hostdev>
<hostdev mode='capabilities' type='misc'>
  <source>
    <char>/dev/input/event3</char>
  </source>
</hostdev>
<hostdev mode='capabilities' type='net'>
  <source>
    <interface>eth0</interface>
  </source>
  <ip address='192.168.122.2' family='ipv4' prefix='24'/>
  <ip address='2003:db8:1:0:214:1234:fe0b:3596' family='ipv6' prefix='64'/>
  <route family='ipv4' address='0.0.0.0' gateway='192.168.122.1'/>
  <route family='ipv6' address='::' gateway='2003:db8:1:0:214:1234:fe0b:3595'/>
</hostdev>
`);
  // The SCSI host devices imply a SCSI controller.
  assertEquals(devices(xml), `<controller type='scsi' index='0'/>\n` + xml);
});

Deno.test("hostdev: defaults: subsystem mode, unmanaged, SCSI units; a USB source of zeros is left out", () => {
  assertEquals(devices(`
<disk><source file='/a'/><target dev='sda'/></disk>
<hostdev type='scsi'>
  <source protocol='adapter'>
    <adapter name='scsi_host1'/>
    <address bus='0' target='1' unit='2'/>
  </source>
</hostdev>
<hostdev type='usb' managed='yes'>
  <source>
    <address bus='0' device='0'/>
  </source>
</hostdev>`), text(`
<disk type='file' device='disk'>
  <source file='/a'/>
  <target dev='sda' bus='scsi'/>
  <address type='drive' controller='0' bus='0' target='0' unit='0'/>
</disk>
<controller type='scsi' index='0'/>
<hostdev mode='subsystem' type='scsi' managed='no'>
  <source>
    <adapter name='scsi_host1'/>
    <address bus='0' target='1' unit='2'/>
  </source>
  <address type='drive' controller='0' bus='0' target='0' unit='1'/>
</hostdev>
<hostdev mode='subsystem' type='usb' managed='yes'>
</hostdev>
`));
});

Deno.test("hostdev: bad values and address checks", () => {
  rejected(`<hostdev mode='bogus' type='pci'><source/></hostdev>`, /'mode'.*subsystem, capabilities/);
  rejected(`<hostdev type='pcie'><source/></hostdev>`, /unknown host device source address type 'pcie', expected one of: pci, usb/);
  rejected(`<hostdev><source/></hostdev>`, /missing source address type/);
  rejected(`<hostdev type='pci'/>`, /missing <source> element/);
  rejected(`<hostdev type='pci'><source startupPolicy='optional'/></hostdev>`, /startupPolicy is only allowed for USB/);
  rejected(`<hostdev type='pci' sgio='filtered'><source/></hostdev>`, /sgio is only supported for scsi/);
  rejected(`<hostdev type='pci' model='vfio-pci'><source/></hostdev>`, /'model' attribute in <hostdev> is only supported/);
  rejected(`<hostdev type='pci'><source><address bus='0x100'/></source></hostdev>`, /invalid PCI address bus/);
  rejected(`<hostdev type='pci'><source/><address type='drive'/></hostdev>`, /PCI host devices must use 'pci' or 'unassigned'/);
  rejected(`<hostdev type='usb'><source><product id='0x1'/></source></hostdev>`, /usb product needs vendor/);
  rejected(`<hostdev type='scsi'><source><address bus='0' target='0' unit='0'/></source></hostdev>`, /'adapter' name must be specified/);
  rejected(`<hostdev type='scsi'><source protocol='iscsi' name='iqn'/></hostdev>`, /missing the host address for the iSCSI hostdev/);
  rejected(`<hostdev type='scsi_host'><source protocol='vhost' wwpn='naa.123'/></hostdev>`, /malformed 'wwpn' value/);
  rejected(`<hostdev type='mdev'><source><address uuid='x'/></source></hostdev>`, /missing 'model' attribute in mediated device/);
  rejected(`<hostdev type='mdev' model='vfio-pci' ramfb='on'><source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source></hostdev>`, /'ramfb' attribute can be used only/);
  rejected(`<hostdev type='pci'><source/><teaming type='transient'/></hostdev>`, /teaming persistent attribute must be set/);
  rejected(`<hostdev mode='capabilities' type='storage'><source/></hostdev>`, /missing <block> element/);
  rejected(`<hostdev mode='capabilities' type='net'><source><interface>e</interface></source><ip address='1.2.3'/></hostdev>`, /invalid address '1.2.3'/);
});

Deno.test("small devices: hub, watchdog, memballoon, nvram, panic, shmem round-trip", () => {
  const xml = text(`
<hub type='usb'>
  <address type='usb' bus='0' port='1'/>
</hub>
<watchdog model='i6300esb' action='inject-nmi'>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>
</watchdog>
<memballoon model='virtio' autodeflate='on' freePageReporting='off'>
  <stats period='10'/>
  <alias name='balloon0'/>
  <driver iommu='on' ats='on'/>
</memballoon>
<nvram>
  <address type='spapr-vio' reg='0x00003000'/>
</nvram>
<panic model='hyperv'/>
<panic model='isa'>
  <address type='isa' iobase='0x505'/>
</panic>
<shmem name='my_shmem0' role='peer'>
  <model type='ivshmem-plain'/>
  <size unit='M'>4</size>
</shmem>
<shmem name='shmem_server'>
  <model type='ivshmem-doorbell'/>
  <size unit='M'>2</size>
  <server path='/tmp/socket-shmem'/>
  <msi vectors='32' ioeventfd='on'/>
</shmem>
`);
  assertEquals(devices(xml), xml);
});

Deno.test("small devices: defaults and what libvirt drops", () => {
  assertEquals(devices(`
<watchdog model='ib700'/>
<memballoon model='none'>
  <stats period='-5'/>
  <address type='pci' domain='0' bus='0' slot='3' function='0'/>
</memballoon>
<nvram/>
<shmem name='legacy' role='master'>
  <size unit='KiB'>1024</size>
  <server path='/tmp//sock/'/>
</shmem>`), text(`
<watchdog model='ib700' action='reset'/>
<memballoon model='none'/>
<nvram>
</nvram>
<shmem name='legacy'>
  <model type='ivshmem'/>
  <size unit='M'>1</size>
  <server path='/tmp/sock'/>
</shmem>
`));
});

Deno.test("memory devices, iommu, vsock, crypto and tpm round-trip", () => {
  const xml = text(`
<tpm model='tpm-tis'>
  <backend type='emulator' version='2.0' persistent_state='yes'>
    <encryption secret='b4a117f1-8af2-44a4-91b8-7f0d2d4d68a3'/>
    <active_pcr_banks>
      <sha256/>
      <sha384/>
    </active_pcr_banks>
  </backend>
</tpm>
<tpm model='spapr-tpm-proxy'>
  <backend type='passthrough'>
    <device path='/dev/tpmrm0'/>
  </backend>
</tpm>
<memory model='dimm' access='private' discard='yes'>
  <source>
    <nodemask>0-1</nodemask>
    <pagesize unit='KiB'>2048</pagesize>
  </source>
  <target>
    <size unit='KiB'>524288</size>
    <node>0</node>
  </target>
  <address type='dimm' slot='0' base='0x100000000'/>
</memory>
<memory model='nvdimm'>
  <uuid>9066901e-c90a-46ad-8b55-c18868cf92ae</uuid>
  <source>
    <path>/tmp/nvdimm</path>
    <alignsize unit='KiB'>2048</alignsize>
    <pmem/>
  </source>
  <target>
    <size unit='KiB'>524288</size>
    <node>1</node>
    <label>
      <size unit='KiB'>128</size>
    </label>
    <readonly/>
  </target>
</memory>
<memory model='virtio-pmem' access='shared'>
  <source>
    <path>/tmp/pmem</path>
  </source>
  <target>
    <size unit='KiB'>524288</size>
  </target>
</memory>
<memory model='virtio-mem'>
  <target>
    <size unit='KiB'>1048576</size>
    <node>0</node>
    <block unit='KiB'>2048</block>
    <requested unit='KiB'>524288</requested>
    <current unit='KiB'>524288</current>
  </target>
</memory>
<iommu model='intel'>
  <driver intremap='on' caching_mode='on' eim='on' iotlb='on' aw_bits='48'/>
</iommu>
<vsock model='virtio'>
  <cid auto='no' address='4'/>
  <driver packed='on'/>
</vsock>
<crypto model='virtio' type='qemu'>
  <backend model='builtin' queues='1'/>
  <driver iommu='on'/>
</crypto>
`);
  assertEquals(devices(xml), xml);
});

Deno.test("memory devices and tpm: units, defaults and the inactive form", () => {
  assertEquals(devices(`
<tpm>
  <backend type='passthrough'/>
</tpm>
<memory model='virtio-mem'>
  <target>
    <size unit='GiB'>1</size>
    <block unit='MiB'>2</block>
    <requested unit='MiB'>512</requested>
    <current unit='MiB'>256</current>
  </target>
</memory>`, { inactive: true }), text(`
<tpm>
  <backend type='passthrough'>
    <device path='/dev/tpm0'/>
  </backend>
</tpm>
<memory model='virtio-mem'>
  <target>
    <size unit='KiB'>1048576</size>
    <block unit='KiB'>2048</block>
    <requested unit='KiB'>524288</requested>
  </target>
</memory>
`));
});

Deno.test("tpm: an external swtpm socket", () => {
  const xml = text(`
<tpm model='tpm-crb'>
  <backend type='external'>
    <source type='unix' mode='connect' path='/tmp/swtpm.sock'/>
  </backend>
</tpm>
`);
  assertEquals(devices(xml), xml);
});

Deno.test("small devices: bad values and the generic checks", () => {
  rejected(`<hub type='pci'/>`, /'type'.*usb/);
  rejected(`<watchdog model='itco9'/>`, /'model'.*i6300esb, ib700, diag288/);
  rejected(`<watchdog model='ib700' action='explode'/>`, /'action'/);
  rejected(`<watchdog model='ib700'/><watchdog model='i6300esb'/>`, /only a single watchdog device/);
  rejected(`<memballoon/>`, /missing attribute 'model'/);
  rejected(`<panic model='isa'/><panic model='isa'/>`, /multiple panic devices with model 'isa'/);
  rejected(`<shmem><model type='ivshmem'/></shmem>`, /must contain 'name'/);
  rejected(`<shmem name='s'><msi vectors='4'/></shmem>`, /msi option is only supported with a server/);
  rejected(`<memory model='dimm'/>`, /missing <target> element for <memory> device/);
  rejected(`<memory model='rom'><target><size>1</size></target></memory>`, /'model'.*dimm, nvdimm/);
  rejected(`<memory model='nvdimm'><source><path>/p</path></source><target><size>1024</size><label><size>64</size></label></target></memory>`, /at least 128KiB/);
  rejected(`<memory model='nvdimm'><target><size>1024</size></target></memory>`, /path is required for model 'nvdimm'/);
  rejected(`<memory model='virtio-pmem'><source><path>/p</path></source><target><size>1024</size></target></memory>`, /shared access mode required/);
  rejected(`<memory model='virtio-mem'><target><size>4096</size><block>3000</block><requested>0</requested></target></memory>`, /block size must be a power of two/);
  rejected(`<memory model='dimm'><source><nodemask>x</nodemask></source><target><size>1024</size></target></memory>`, /invalid value of 'nodemask'/);
  rejected(`<iommu model='amd'/>`, /'model'.*intel, smmuv3, virtio/);
  rejected(`<iommu model='virtio'><driver intremap='on'/></iommu>`, /doesn't support additional attributes/);
  rejected(`<iommu model='intel'><address type='pci' slot='4'/></iommu>`, /can't have address/);
  rejected(`<vsock><cid address='2'/></vsock>`, /guest CID 2 is reserved/);
  rejected(`<crypto model='virtio' type='qemu'/>`, /only one crypto backend/);
  rejected(`<crypto model='virtio' type='qemu'><backend model='gpu'/></crypto>`, /'model'.*builtin, lkcf/);
  rejected(`<tpm/>`, /missing TPM device backend/);
  rejected(`<tpm><backend type='swtpm'/></tpm>`, /unknown TPM backend type 'swtpm'/);
  rejected(`<tpm><backend type='emulator'><active_pcr_banks><md5/></active_pcr_banks></backend></tpm>`, /unsupported PCR bank 'md5'/);
  rejected(`<tpm><backend type='emulator'/></tpm><tpm model='tpm-crb'><backend type='emulator'/></tpm>`, /only a single TPM non-proxy device/);
  rejected(`<tpm model='spapr-tpm-proxy'><backend type='emulator'/></tpm>`, /requires 'Passthrough' backend/);
  rejected(`<lease><target path='/p'/></lease>`, /missing 'key' element for lease/);
  rejected(`<lease><key>k</key></lease>`, /missing 'target' element for lease/);
});
