/**
 * `<disk>`: driver, every source kind, backing chains, mirrors, targets,
 * I/O tuning, identification strings, the defaults libvirt fills in and the
 * generic disk checks.
 */
import { assertEquals } from "../assert.ts";
import { devices, osOf, rejected, text } from "./devices_a_helpers.ts";

Deno.test("disk: a file disk with every driver option, a backing chain and tuning round-trips", () => {
  const xml = text(`
<disk type='file' device='disk' snapshot='external'>
  <driver name='qemu' type='qcow2' cache='none' error_policy='stop' rerror_policy='report' io='native' ioeventfd='on' event_idx='off' copy_on_read='on' discard='unmap' iothread='1' detect_zeroes='unmap' queues='4' queue_size='256' iommu='on' ats='off' packed='on' page_per_vq='on'>
    <metadata_cache>
      <max_size unit='bytes'>1048576</max_size>
    </metadata_cache>
  </driver>
  <source file='/var/lib/images/a.qcow2' index='3'>
    <seclabel model='selinux' relabel='yes'>
      <label>system_u:object_r:svirt_image_t:s0:c1,c2</label>
    </seclabel>
  </source>
  <backingStore type='file' index='2'>
    <format type='qcow2'/>
    <source file='/var/lib/images/base.qcow2'/>
    <backingStore type='block' index='1'>
      <format type='raw'/>
      <source dev='/dev/vg/base'/>
      <backingStore/>
    </backingStore>
  </backingStore>
  <target dev='vda' bus='virtio'/>
  <iotune>
    <total_bytes_sec>10000000</total_bytes_sec>
    <read_iops_sec>400000</read_iops_sec>
    <write_iops_sec>100000</write_iops_sec>
    <group_name>grp</group_name>
    <total_bytes_sec_max_length>3</total_bytes_sec_max_length>
  </iotune>
  <serial>WD-WMAP9A966149</serial>
  <boot order='1'/>
  <alias name='virtio-disk0'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
</disk>
`);
  assertEquals(devices(xml), xml);
});

Deno.test("disk: the inactive form drops indexes, aliases and mirrors but keeps the backing chain", () => {
  const xml = `
<disk type='file' device='disk'>
  <driver name='qemu' type='qcow2'/>
  <source file='/a.qcow2' index='2'/>
  <backingStore type='file' index='1'>
    <format type='raw'/>
    <source file='/b.raw'/>
  </backingStore>
  <mirror type='file' job='copy' ready='yes'>
    <format type='qcow2'/>
    <source file='/copy.qcow2'/>
  </mirror>
  <target dev='vda' bus='virtio'/>
  <alias name='virtio-disk0'/>
</disk>`;
  assertEquals(devices(xml, { inactive: true, validate: true }), text(`
<disk type='file' device='disk'>
  <driver name='qemu' type='qcow2'/>
  <source file='/a.qcow2'/>
  <backingStore type='file'>
    <format type='raw'/>
    <source file='/b.raw'/>
  </backingStore>
  <target dev='vda' bus='virtio'/>
</disk>
`));
});

Deno.test("disk: live mirrors, including the old attribute-only form", () => {
  assertEquals(devices(`
<disk type='file'>
  <source file='/a.qcow2'/>
  <mirror file='/copy.img' format='raw' ready='pivot'/>
  <target dev='vda' bus='virtio'/>
</disk>
<disk type='file'>
  <source file='/b.qcow2'/>
  <mirror type='block' job='active-commit'>
    <format type='qcow2'/>
    <source dev='/dev/base' index='5'/>
    <backingStore/>
  </mirror>
  <target dev='vdb' bus='virtio'/>
</disk>`), text(`
<disk type='file' device='disk'>
  <source file='/a.qcow2'/>
  <mirror type='file' file='/copy.img' format='raw' job='copy' ready='pivot'>
    <format type='raw'/>
    <source file='/copy.img'/>
  </mirror>
  <target dev='vda' bus='virtio'/>
</disk>
<disk type='file' device='disk'>
  <source file='/b.qcow2'/>
  <mirror type='block' job='active-commit'>
    <format type='qcow2'/>
    <source dev='/dev/base' index='5'/>
    <backingStore/>
  </mirror>
  <target dev='vdb' bus='virtio'/>
</disk>
`));
});

Deno.test("disk: defaults for bus, address, read-only CD-ROMs, controllers and boot", () => {
  const body = `
<disk device='cdrom' type='block'>
  <target dev='hdc'/>
</disk>
<disk>
  <driver type='aio' cache='default'/>
  <source file='/img'/>
  <target dev='ioemu:sdh'/>
</disk>
<disk device='floppy'>
  <source file='' startupPolicy='optional'/>
  <target dev='fdb'/>
</disk>
<disk type='file' device='disk'>
  <source file='/v.img'/>
  <target dev='vdb'/>
</disk>
<disk type='file' device='disk' snapshot='no'>
  <source file='/ro.img'/>
  <target dev='sdb' bus='sata'/>
  <readonly/>
</disk>`;
  assertEquals(devices(body), text(`
<disk type='file' device='cdrom'>
  <target dev='hdc' bus='ide'/>
  <readonly/>
  <address type='drive' controller='0' bus='1' target='0' unit='0'/>
</disk>
<disk type='file' device='disk'>
  <driver type='raw'/>
  <source file='/img'/>
  <target dev='sdh' bus='scsi'/>
  <address type='drive' controller='1' bus='0' target='0' unit='0'/>
</disk>
<disk type='file' device='floppy'>
  <source startupPolicy='optional'/>
  <target dev='fdb' bus='fdc'/>
  <address type='drive' controller='0' bus='0' target='0' unit='1'/>
</disk>
<disk type='file' device='disk'>
  <source file='/v.img'/>
  <target dev='vdb' bus='virtio'/>
</disk>
<disk type='file' device='disk'>
  <source file='/ro.img'/>
  <target dev='sdb' bus='sata'/>
  <readonly/>
  <address type='drive' controller='0' bus='0' target='0' unit='1'/>
</disk>
<controller type='scsi' index='0'/>
<controller type='scsi' index='1'/>
<controller type='fdc' index='0'/>
<controller type='ide' index='0'/>
<controller type='sata' index='0'/>
`));
  assertEquals(osOf(body), "  <os>\n    <type arch='x86_64'>hvm</type>\n    <boot dev='hd'/>\n  </os>\n");
});

Deno.test("disk: iSCSI names get LUN 0, NVMe sources are managed, vhost-user disks take no snapshots", () => {
  assertEquals(devices(`
<disk type='network' device='lun'>
  <source protocol='iscsi' name='iqn.2013-07.com.example:target'>
    <host name='example.com' port='3261'/>
  </source>
  <target dev='sda' bus='scsi'/>
</disk>
<disk type='nvme'>
  <source type='pci' namespace='2'>
    <address domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
  </source>
  <target dev='vda' bus='virtio'/>
</disk>
<disk type='vhostuser'>
  <source type='unix' path='/tmp/vu.sock'/>
  <target dev='vdb' bus='virtio'/>
</disk>`), text(`
<disk type='network' device='lun'>
  <source protocol='iscsi' name='iqn.2013-07.com.example:target/0'>
    <host name='example.com' port='3261'/>
  </source>
  <target dev='sda' bus='scsi'/>
  <address type='drive' controller='0' bus='0' target='0' unit='0'/>
</disk>
<disk type='nvme' device='disk'>
  <source type='pci' managed='yes' namespace='2'>
    <address domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
  </source>
  <target dev='vda' bus='virtio'/>
</disk>
<disk type='vhostuser' device='disk' snapshot='no'>
  <source type='unix' path='/tmp/vu.sock'/>
  <target dev='vdb' bus='virtio'/>
</disk>
<controller type='scsi' index='0'/>
`));
});

Deno.test("disk: VMware domains use wide SCSI buses and skip the unit of the controller", () => {
  assertEquals(devices(`
<disk><source file='/a'/><target dev='sdh'/></disk>
<disk><source file='/b'/><target dev='sdq'/></disk>`, { type: "vmware" }), text(`
<disk type='file' device='disk'>
  <source file='/a'/>
  <target dev='sdh' bus='scsi'/>
  <address type='drive' controller='0' bus='0' target='0' unit='8'/>
</disk>
<disk type='file' device='disk'>
  <source file='/b'/>
  <target dev='sdq' bus='scsi'/>
  <address type='drive' controller='1' bus='0' target='0' unit='1'/>
</disk>
<controller type='scsi' index='0'/>
<controller type='scsi' index='1'/>
`));
});

Deno.test("disk: network sources (rbd, iscsi, https, nbd) with auth, default ports and cookies", () => {
  const body = `
<disk type='network' device='disk'>
  <driver name='qemu' type='raw'/>
  <auth username='myuser'>
    <secret type='ceph' usage='mypassid'/>
  </auth>
  <source protocol='rbd' name='pool/image'>
    <host name='mon1.example.org' port='6321'/>
    <host name='mon2.example.org'/>
    <snapshot name='snap'/>
    <config file='/etc/ceph/ceph.conf'/>
  </source>
  <target dev='vdb' bus='virtio'/>
</disk>
<disk type='network' device='lun' sgio='unfiltered' rawio='yes'>
  <source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/1'>
    <host name='example.com' transport='tcp'/>
    <auth username='myname'>
      <secret type='iscsi' uuid='3E0FEDF4-1CF0-4E67-A9B7-EC5EB8B93E0B'/>
    </auth>
    <initiator>
      <iqn name='iqn.2013-07.com.example:client'/>
    </initiator>
  </source>
  <target dev='sda' bus='scsi'/>
  <address type='drive' controller='0' bus='0' target='0' unit='0'/>
</disk>
<disk type='network' device='cdrom'>
  <source protocol='https' name='/boot.iso' query='a=b'>
    <host name='www.example.com'/>
    <ssl verify='no'/>
    <cookies>
      <cookie name='test'>somevalue</cookie>
    </cookies>
    <readahead size='65536'/>
    <timeout seconds='10'/>
  </source>
  <target dev='hdc' bus='ide' tray='open'/>
  <address type='drive' controller='0' bus='1' target='0' unit='0'/>
</disk>
<disk type='network'>
  <source protocol='nbd' tls='yes'>
    <host transport='unix' socket='/var/run/nbd.sock'/>
  </source>
  <target dev='vdc'/>
</disk>
<controller type='scsi' index='0'/>
<controller type='ide' index='0'/>`;
  const expected = text(`
<disk type='network' device='disk'>
  <driver name='qemu' type='raw'/>
  <auth username='myuser'>
    <secret type='ceph' usage='mypassid'/>
  </auth>
  <source protocol='rbd' name='pool/image'>
    <host name='mon1.example.org' port='6321'/>
    <host name='mon2.example.org'/>
    <snapshot name='snap'/>
    <config file='/etc/ceph/ceph.conf'/>
  </source>
  <target dev='vdb' bus='virtio'/>
</disk>
<disk type='network' device='lun' rawio='yes' sgio='unfiltered'>
  <source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/1'>
    <host name='example.com' port='3260'/>
    <initiator>
      <iqn name='iqn.2013-07.com.example:client'/>
    </initiator>
    <auth username='myname'>
      <secret type='iscsi' uuid='3e0fedf4-1cf0-4e67-a9b7-ec5eb8b93e0b'/>
    </auth>
  </source>
  <target dev='sda' bus='scsi'/>
  <address type='drive' controller='0' bus='0' target='0' unit='0'/>
</disk>
<disk type='network' device='cdrom'>
  <source protocol='https' name='/boot.iso' query='a=b'>
    <host name='www.example.com' port='443'/>
    <ssl verify='no'/>
    <cookies>
      <cookie name='test'>somevalue</cookie>
    </cookies>
    <readahead size='65536'/>
    <timeout seconds='10'/>
  </source>
  <target dev='hdc' bus='ide' tray='open'/>
  <readonly/>
  <address type='drive' controller='0' bus='1' target='0' unit='0'/>
</disk>
<disk type='network' device='disk'>
  <source protocol='nbd' tls='yes'>
    <host transport='unix' socket='/var/run/nbd.sock'/>
  </source>
  <target dev='vdc' bus='virtio'/>
</disk>
<controller type='scsi' index='0'/>
<controller type='ide' index='0'/>
`);
  assertEquals(devices(body), expected);
  const insecure = devices(body, { insecure: true });
  assertEquals(insecure.includes("<cookie"), false);
});

Deno.test("disk: lun reservations, volumes, NVMe, vhost-user, slices and encryption", () => {
  const xml = text(`
<disk type='block' device='lun'>
  <source dev='/dev/sdq'>
    <reservations managed='no'>
      <source type='unix' path='/var/lib/libvirt/pr.sock' mode='client'/>
    </reservations>
  </source>
  <target dev='sdb' bus='scsi'/>
  <shareable/>
  <address type='drive' controller='0' bus='0' target='0' unit='1'/>
</disk>
<disk type='volume' device='disk'>
  <source pool='default' volume='vol1' mode='host' startupPolicy='optional'/>
  <target dev='sdc' bus='scsi'/>
  <wwn>0x5000c50015ea71ad</wwn>
  <vendor>Acme</vendor>
  <product>Widget</product>
  <address type='drive' controller='0' bus='0' target='0' unit='2'/>
</disk>
<disk type='nvme' device='disk'>
  <driver name='qemu' type='raw'/>
  <source type='pci' managed='yes' namespace='1'>
    <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
  </source>
  <target dev='vdd' bus='virtio'/>
</disk>
<disk type='vhostuser' device='disk' snapshot='no'>
  <driver name='qemu' type='raw'/>
  <source type='unix' path='/tmp/vhost-blk.sock'>
    <reconnect enabled='yes' timeout='10'/>
  </source>
  <target dev='vde' bus='virtio'/>
</disk>
<disk type='vhostvdpa' device='disk'>
  <driver name='qemu' type='raw'/>
  <source dev='/dev/vhost-vdpa-0'/>
  <target dev='vdf' bus='virtio'/>
</disk>
<disk type='file' device='floppy'>
  <source file='/tmp/floppy.img'>
    <slices>
      <slice type='storage' offset='512' size='1474560'/>
    </slices>
  </source>
  <target dev='fda' bus='fdc'/>
  <address type='drive' controller='0' bus='0' target='0' unit='0'/>
</disk>
<disk type='file' device='disk'>
  <driver name='qemu' type='qcow2'/>
  <source file='/tmp/enc.qcow2'>
    <encryption format='luks'>
      <secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>
      <cipher name='aes' size='256' mode='xts' hash='sha256'/>
      <ivgen name='plain64' hash='sha256'/>
    </encryption>
  </source>
  <geometry cyls='16383' heads='16' secs='63' trans='lba'/>
  <blockio logical_block_size='512' physical_block_size='4096'/>
  <target dev='hdb' bus='ide'/>
  <transient shareBacking='yes'/>
  <address type='drive' controller='0' bus='0' target='0' unit='1'/>
</disk>
<disk type='file' device='disk'>
  <source file='/tmp/usb.img'/>
  <target dev='sdz' bus='usb' removable='on' rotation_rate='7200'/>
  <encryption format='qcow'>
    <secret type='passphrase' usage='/tmp/usb.img'/>
  </encryption>
</disk>
<controller type='scsi' index='0'/>
<controller type='fdc' index='0'/>
<controller type='ide' index='0'/>
`);
  assertEquals(devices(xml), xml);
});

Deno.test("disk: bad values are rejected naming the field", () => {
  const t = `<target dev='vda' bus='virtio'/>`;
  rejected(`<disk device='tape'><source file='/a'/>${t}</disk>`, /'device'.*disk, cdrom, floppy, lun/);
  rejected(`<disk type='tcp'><source file='/a'/>${t}</disk>`, /'type'.*file, block, dir, network/);
  rejected(`<disk><driver type='qcow9'/><source file='/a'/>${t}</disk>`, /driver format value 'qcow9'/);
  rejected(`<disk><driver cache='fast'/><source file='/a'/>${t}</disk>`, /'cache'/);
  rejected(`<disk><driver rerror_policy='enospace'/><source file='/a'/>${t}</disk>`, /read error policy/);
  rejected(`<disk><source file='/a'/><target bus='virtio'/></disk>`, /missing target information for disk with source '\/a'/);
  rejected(`<disk><source file='/a'/><target dev='vda' bus='pci'/></disk>`, /'bus'/);
  rejected(`<disk><source file='/a'/><target dev='vda' tray='open'/></disk>`, /tray is only valid for cdrom and floppy/);
  rejected(`<disk type='network'><source protocol='rbd' name='image'/>${t}</disk>`, /can't split path 'image'/);
  rejected(`<disk type='network'><source protocol='gopher' name='x'/>${t}</disk>`, /'protocol'/);
  rejected(`<disk type='network'><source protocol='http'/>${t}</disk>`, /missing name for disk source/);
  rejected(`<disk><source file='/a'/>${t}<iotune><total_bytes_sec>1</total_bytes_sec><read_bytes_sec>2</read_bytes_sec></iotune></disk>`, /total and read\/write bytes_sec/);
  rejected(`<disk><source file='/a'/><target dev='sda'/><wwn>12345</wwn></disk>`, /malformed wwn/);
  rejected(`<disk><source file='/a'/><target dev='sda'/><vendor>ABCDEFGHI</vendor></disk>`, /vendor is more than 8 characters/);
  rejected(`<disk><source file='/a'>${t}<auth username='u'><secret type='ceph'/></auth></source></disk>`, /secret uuid or usage/);
  rejected(`<disk type='nvme'><source type='pci' namespace='1'/>${t}</disk>`, /NVMe disk source is missing address/);
  rejected(`<disk type='vhostuser'><source type='tcp' path='/s'/>${t}</disk>`, /invalid 'type' attribute for vhostuser/);
  rejected(`<disk><source file='/a'><slices><slice type='storage' offset='1'/></slices></source>${t}</disk>`, /missing size attribute of slice/);
  rejected(`<disk type='block' device='lun'><source dev='/dev/sda'><reservations managed='no'/></source><target dev='sda'/></disk>`, /missing connection type for <reservations\/>/);
});

Deno.test("disk: the generic checks", () => {
  const t = `<target dev='vda' bus='virtio'/>`;
  rejected(`<disk><source file='/a'/>${t}</disk><disk><source file='/b'/>${t}</disk>`, /target 'vda' duplicated for disk sources '\/a' and '\/b'/);
  rejected(
    `<disk><source file='/a'/><target dev='sda'/></disk><disk><source file='/b'/><target dev='sdb'/><address type='drive' controller='0' bus='0' target='0' unit='0'/></disk>`,
    /duplicate drive address for disk with target name 'sda'/,
  );
  rejected(`<disk device='disk'>${t}</disk>`, /disk 'vda' has no source/);
  rejected(`<disk type='file' device='lun'><source file='/a'/><target dev='sda'/></disk>`, /improperly configured for a device='lun'/);
  rejected(`<disk rawio='yes'><source file='/a'/>${t}</disk>`, /rawio can be used only with device='lun'/);
  rejected(`<disk><source file='/a'/><target dev='sda'/><address type='pci' slot='3'/></disk>`, /invalid address type 'pci' for the disk 'sda' with the bus type 'scsi'/);
  rejected(`<disk><driver queues='2'/><source file='/a'/><target dev='sda'/></disk>`, /queues attribute .* only supported by virtio-blk/);
  rejected(`<disk model='virtio'><source file='/a'/><target dev='sda'/></disk>`, /disk model 'virtio' not supported for bus 'scsi'/);
  rejected(`<disk><source file='/a'/><target dev='vda' bus='virtio'/><wwn>0x5000c50015ea71ad</wwn></disk>`, /only ide and scsi disk support wwn/);
  rejected(`<disk><source file='/a' startupPolicy='requisite'/>${t}</disk>`, /'requisite' is allowed only for cdrom or floppy/);
  rejected(`<disk type='vhostuser' snapshot='external'><source type='unix' path='/s'/>${t}</disk>`, /only snapshot=no is supported with vhostuser disk/);
  rejected(`<disk type='vhostuser'><driver cache='none'/><source type='unix' path='/s'/>${t}</disk>`, /cache is not supported with vhostuser disk/);
  rejected(
    `<disk type='network'><source protocol='iscsi' name='iqn/1'><host name='h'/><auth username='u'><secret type='ceph' usage='x'/></auth></source><target dev='sda'/></disk>`,
    /invalid secret type 'ceph'/,
  );
  rejected(`<disk><source file='/a'/><target dev='vda'/><boot order='1'/></disk><disk><source file='/b'/><target dev='vdb'/><boot order='1'/></disk>`, /boot order '1' used for more than one device/);
  rejected(`<disk><source file='/a'/><target dev='vda'/><boot order='1'/></disk>`, /per-device boot elements cannot be used together with os\/boot elements/, { os: "\n    <boot dev='cdrom'/>" });
});

Deno.test("disk: VMware domains may repeat a target name on different buses", () => {
  const body = `
<disk><source file='/a'/><target dev='sda' bus='scsi'/></disk>
<disk device='cdrom'><source file='/b'/><target dev='sda' bus='sata'/></disk>`;
  rejected(body, /target 'sda' duplicated/);
  assertEquals(devices(body, { type: "vmware" }).includes("<target dev='sda' bus='sata'/>"), true);
});
