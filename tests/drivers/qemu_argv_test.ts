/**
 * `buildQemuArgv`: exact command lines for representative domains, and the
 * rejection of what the driver does not run, naming the element.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { VirtError } from "../../src/errors.ts";
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import { buildQemuArgv, type QemuArgvOptions } from "../../drivers/qemu/argv.ts";
import { assignQemuAliases } from "../../drivers/qemu/aliases.ts";
import { fakeCaps } from "./qemu_fixtures.ts";

const OPTS: QemuArgvOptions = {
  caps: fakeCaps(),
  paths: { monitor: "/run/vk/t.qmp", channelDir: "/run/vk/channel" },
  graphics: [{ port: 5901 }],
  interfaces: [{ tapFd: 23 }, { ifname: "vnet7" }],
};

/** Asserts that `fn` throws a config-unsupported VirtError whose message matches `re`. */
function assertRejects(fn: () => unknown, re: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert(e instanceof VirtError, `expected a VirtError, got ${e}`);
    assertEquals(e.code, "config-unsupported");
    assertMatch(e.message, re);
    return;
  }
  assert(false, `expected an error matching ${re}`);
}

function argv(xml: string, opts: Partial<QemuArgvOptions> = {}): string[] {
  return buildQemuArgv(parseDomainXml(xml), { ...OPTS, ...opts }).args;
}

const MINIMAL = `<domain type='qemu'>
  <name>min</name>
  <uuid>0f2c7f4e-5a6b-4c3d-8e9f-0a1b2c3d4e5f</uuid>
  <memory unit='KiB'>131072</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices/>
</domain>`;

/** A minimal domain with devices spliced into `<devices>`. */
function withDevices(devices: string, extra = ""): string {
  return MINIMAL.replace("<devices/>", `<devices>${devices}</devices>${extra}`);
}

Deno.test("argv: minimal domain", () => {
  const cmd = buildQemuArgv(parseDomainXml(MINIMAL), {
    ...OPTS,
    paths: { monitor: "/run/vk/t.qmp", home: "/var/lib/vk/min" },
  });
  assertEquals(cmd.binary, "/usr/bin/qemu-system-x86_64");
  assertEquals(cmd.args, [
    "-name",
    "guest=min,debug-threads=on",
    "-S",
    "-machine",
    "pc-i440fx-7.2,accel=tcg,usb=off,dump-guest-core=off,acpi=off",
    "-m",
    "size=131072k",
    "-smp",
    "1,sockets=1,cores=1,threads=1",
    "-uuid",
    "0f2c7f4e-5a6b-4c3d-8e9f-0a1b2c3d4e5f",
    "-no-user-config",
    "-nodefaults",
    "-chardev",
    "socket,id=charmonitor,path=/run/vk/t.qmp,server=on,wait=off",
    "-mon",
    "chardev=charmonitor,id=monitor,mode=control",
    "-rtc",
    "base=utc",
    "-no-shutdown",
    "-boot",
    "order=c",
    "-display",
    "none",
    "-msg",
    "timestamp=on",
  ]);
  assertEquals(cmd.env, {
    LC_ALL: "C",
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: "/var/lib/vk/min",
    XDG_DATA_HOME: "/var/lib/vk/min/.local/share",
    XDG_CACHE_HOME: "/var/lib/vk/min/.cache",
    XDG_CONFIG_HOME: "/var/lib/vk/min/.config",
  });
});

const FULL_PC = `
<domain type='kvm'>
  <name>full</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='MiB'>1024</memory>
  <vcpu placement='static' current='2'>4</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='cdrom'/>
    <boot dev='hd'/>
    <bootmenu enable='yes' timeout='3000'/>
  </os>
  <features><acpi/><apic/><vmport state='off'/></features>
  <cpu mode='host-passthrough' migratable='off'><topology sockets='2' dies='1' cores='2' threads='1'/></cpu>
  <clock offset='utc'><timer name='rtc' tickpolicy='catchup'/><timer name='pit' tickpolicy='delay'/><timer name='hpet' present='no'/></clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none' io='native' discard='unmap'/>
      <source file='/var/lib/images/full.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <serial>abc123</serial>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='/dev/vg/data'/>
      <target dev='sdb' bus='sata'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/images/install.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' error_policy='stop'/>
      <source file='/var/lib/images/scsi.img'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <controller type='scsi' index='0' model='virtio-scsi'/>
    <controller type='usb' index='0' model='piix3-uhci'/>
    <interface type='bridge'>
      <mac address='52:54:00:aa:bb:cc'/>
      <source bridge='br0'/>
      <model type='virtio'/>
    </interface>
    <interface type='ethernet'>
      <mac address='52:54:00:aa:bb:cd'/>
      <model type='e1000'/>
    </interface>
    <serial type='pty'><target port='0'/></serial>
    <serial type='tcp'><source mode='bind' host='127.0.0.1' service='4555'/><protocol type='telnet'/><log file='/var/log/vk/serial1.log' append='on'/><target port='1'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <input type='tablet' bus='usb'/>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
    <video><model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1' primary='yes'/></video>
    <watchdog model='i6300esb' action='poweroff'/>
    <memballoon model='virtio'><stats period='10'/></memballoon>
    <rng model='virtio'><rate bytes='1024' period='2000'/><backend model='random'>/dev/urandom</backend></rng>
    <panic model='isa'/>
  </devices>
</domain>
`;

Deno.test("argv: i440fx guest with KVM, disks on four buses, TAP NICs, serial, VNC and small devices", () => {
  assertEquals(argv(FULL_PC), [
    "-name",
    "guest=full,debug-threads=on",
    "-S",
    "-machine",
    "pc,accel=kvm,usb=off,dump-guest-core=off,vmport=off",
    "-cpu",
    "host,migratable=off",
    "-m",
    "size=1048576k",
    "-smp",
    "2,maxcpus=4,sockets=2,cores=2,threads=1",
    "-uuid",
    "c7a5fdbd-edaf-9455-926a-d65c16db1809",
    "-no-user-config",
    "-nodefaults",
    "-chardev",
    "socket,id=charmonitor,path=/run/vk/t.qmp,server=on,wait=off",
    "-mon",
    "chardev=charmonitor,id=monitor,mode=control",
    "-global",
    "kvm-pit.lost_tick_policy=delay",
    "-no-hpet",
    "-rtc",
    "base=utc,driftfix=slew",
    "-no-shutdown",
    "-global",
    "PIIX4_PM.disable_s3=1",
    "-global",
    "PIIX4_PM.disable_s4=1",
    "-boot",
    "order=dc,menu=on,splash-time=3000",
    "-device",
    '{"driver":"virtio-scsi-pci","id":"scsi0"}',
    "-device",
    '{"driver":"piix3-usb-uhci","id":"usb"}',
    "-device",
    '{"driver":"ich9-ahci","id":"sata0"}',
    "-device",
    '{"driver":"virtio-serial-pci","id":"virtio-serial0"}',
    "-blockdev",
    '{"driver":"file","filename":"/var/lib/images/full.qcow2","node-name":"libvirt-4-storage","aio":"native","cache":{"direct":true,"no-flush":false},"auto-read-only":true,"discard":"unmap"}',
    "-blockdev",
    '{"node-name":"libvirt-4-format","read-only":false,"discard":"unmap","cache":{"direct":true,"no-flush":false},"driver":"qcow2","file":"libvirt-4-storage"}',
    "-device",
    '{"driver":"virtio-blk-pci","drive":"libvirt-4-format","id":"virtio-disk0","write-cache":"on","serial":"abc123"}',
    "-blockdev",
    '{"driver":"host_device","filename":"/dev/vg/data","node-name":"libvirt-3-storage","auto-read-only":true,"discard":"unmap"}',
    "-blockdev",
    '{"node-name":"libvirt-3-format","read-only":false,"driver":"raw","file":"libvirt-3-storage"}',
    "-device",
    '{"driver":"ide-hd","bus":"sata0.1","drive":"libvirt-3-format","id":"sata0-0-1"}',
    "-blockdev",
    '{"driver":"file","filename":"/var/lib/images/install.iso","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}',
    "-blockdev",
    '{"node-name":"libvirt-2-format","read-only":true,"driver":"raw","file":"libvirt-2-storage"}',
    "-device",
    '{"driver":"ide-cd","bus":"ide.1","unit":0,"drive":"libvirt-2-format","id":"ide0-1-0"}',
    "-blockdev",
    '{"driver":"file","filename":"/var/lib/images/scsi.img","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}',
    "-blockdev",
    '{"node-name":"libvirt-1-format","read-only":false,"driver":"raw","file":"libvirt-1-storage"}',
    "-device",
    '{"driver":"scsi-hd","bus":"scsi0.0","channel":0,"scsi-id":0,"lun":0,"drive":"libvirt-1-format","id":"scsi0-0-0-0","werror":"stop","rerror":"stop"}',
    "-netdev",
    '{"type":"tap","fd":"23","id":"hostnet0"}',
    "-device",
    '{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:aa:bb:cc"}',
    "-netdev",
    '{"type":"tap","ifname":"vnet7","script":"no","downscript":"no","id":"hostnet1"}',
    "-device",
    '{"driver":"e1000","netdev":"hostnet1","id":"net1","mac":"52:54:00:aa:bb:cd"}',
    "-chardev",
    "pty,id=charserial0",
    "-device",
    '{"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0}',
    "-chardev",
    "socket,id=charserial1,host=127.0.0.1,port=4555,telnet=on,server=on,wait=off,logfile=/var/log/vk/serial1.log,logappend=on",
    "-device",
    '{"driver":"isa-serial","chardev":"charserial1","id":"serial1","index":1}',
    "-chardev",
    "socket,id=charchannel0,path=/run/vk/channel/org.qemu.guest_agent.0",
    "-device",
    '{"driver":"virtserialport","bus":"virtio-serial0.0","chardev":"charchannel0","id":"channel0","name":"org.qemu.guest_agent.0"}',
    "-device",
    '{"driver":"usb-tablet","id":"input0","bus":"usb.0"}',
    "-vnc",
    "127.0.0.1:1",
    "-device",
    '{"driver":"qxl-vga","id":"video0","max_outputs":1,"ram_size":67108864,"vram_size":67108864,"vgamem_mb":16}',
    "-device",
    '{"driver":"i6300esb","id":"watchdog0"}',
    "-action",
    "watchdog=poweroff",
    "-device",
    '{"driver":"virtio-balloon-pci","id":"balloon0"}',
    "-object",
    '{"qom-type":"rng-random","id":"objrng0","filename":"/dev/urandom"}',
    "-device",
    '{"driver":"virtio-rng-pci","rng":"objrng0","id":"rng0","max-bytes":1024,"period":2000}',
    "-device",
    '{"driver":"pvpanic"}',
    "-msg",
    "timestamp=on",
  ]);
});

const Q35_EFI = `
<domain type='qemu'>
  <name>efi,guest</name>
  <uuid>0f2c7f4e-5a6b-4c3d-8e9f-0a1b2c3d4e5f</uuid>
  <memory unit='MiB'>512</memory>
  <maxMemory slots='16' unit='GiB'>4</maxMemory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/vk/nvram/efi_VARS.fd</nvram>
    <kernel>/boot/vmlinuz</kernel>
    <initrd>/boot/initrd.gz</initrd>
    <cmdline>console=ttyS0 root=/dev/vda</cmdline>
  </os>
  <features><acpi/><smm state='on'/></features>
  <cpu mode='custom' match='exact'><model fallback='forbid'>Haswell</model><feature policy='require' name='vmx'/><feature policy='disable' name='hle'/></cpu>
  <clock offset='localtime'/>
  <on_reboot>destroy</on_reboot>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/images/top.qcow2'/>
      <backingStore type='file'>
        <format type='qcow2'/>
        <source file='/images/base.qcow2'/>
        <backingStore/>
      </backingStore>
      <target dev='vda' bus='virtio'/>
      <boot order='1'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x10'/><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/></controller>
    <interface type='user'>
      <mac address='52:54:00:12:34:56'/>
      <model type='virtio'/>
      <boot order='2'/>
    </interface>
    <serial type='file'><source path='/var/log/vk/efi.serial'/></serial>
    <serial type='unix'><source mode='bind' path='/run/vk/efi.sock'/></serial>
    <serial type='null'/>
    <console type='pty'><target type='virtio'/></console>
    <channel type='unix'><source mode='bind' path='/run/vk/agent.sock'/><target type='virtio' name='org.qemu.guest_agent.0'/><address type='virtio-serial' controller='0' bus='0' port='1'/></channel>
    <input type='keyboard' bus='virtio'/>
    <input type='tablet' bus='usb'/>
    <video><model type='virtio' heads='1' primary='yes'/></video>
    <video><model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1'/></video>
    <watchdog model='ib700' action='dump'/>
    <memballoon model='none'/>
    <rng model='virtio'><backend model='builtin'/></rng>
  </devices>
</domain>
`;

Deno.test("argv: q35 guest with OVMF, direct kernel boot, backing chain, device boot order and virtio-serial", () => {
  assertEquals(argv(Q35_EFI), [
    "-name",
    "guest=efi,,guest,debug-threads=on",
    "-S",
    "-machine",
    "q35,accel=tcg,usb=off,dump-guest-core=off,smm=on",
    "-cpu",
    "Haswell,vmx=on,hle=off",
    "-drive",
    "file=/usr/share/OVMF/OVMF_CODE_4M.fd,if=pflash,format=raw,unit=0,readonly=on",
    "-drive",
    "file=/var/lib/vk/nvram/efi_VARS.fd,if=pflash,format=raw,unit=1",
    "-m",
    "size=524288k,slots=16,maxmem=4194304k",
    "-smp",
    "1,sockets=1,cores=1,threads=1",
    "-uuid",
    "0f2c7f4e-5a6b-4c3d-8e9f-0a1b2c3d4e5f",
    "-no-user-config",
    "-nodefaults",
    "-chardev",
    "socket,id=charmonitor,path=/run/vk/t.qmp,server=on,wait=off",
    "-mon",
    "chardev=charmonitor,id=monitor,mode=control",
    "-rtc",
    "base=localtime",
    "-no-shutdown",
    "-no-reboot",
    "-boot",
    "strict=on",
    "-kernel",
    "/boot/vmlinuz",
    "-initrd",
    "/boot/initrd.gz",
    "-append",
    "console=ttyS0 root=/dev/vda",
    "-device",
    '{"driver":"pcie-root-port","port":16,"chassis":1,"id":"pci.1","bus":"pcie.0","addr":"0x2","multifunction":true}',
    "-device",
    '{"driver":"virtio-serial-pci","id":"virtio-serial0"}',
    "-device",
    '{"driver":"qemu-xhci","id":"usb"}',
    "-blockdev",
    '{"driver":"file","filename":"/images/base.qcow2","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}',
    "-blockdev",
    '{"node-name":"libvirt-1-format","read-only":true,"driver":"qcow2","file":"libvirt-1-storage","backing":null}',
    "-blockdev",
    '{"driver":"file","filename":"/images/top.qcow2","node-name":"libvirt-2-storage","auto-read-only":true,"discard":"unmap"}',
    "-blockdev",
    '{"node-name":"libvirt-2-format","read-only":false,"driver":"qcow2","file":"libvirt-2-storage","backing":"libvirt-1-format"}',
    "-device",
    '{"driver":"virtio-blk-pci","bus":"pci.1","addr":"0x0","drive":"libvirt-2-format","id":"virtio-disk0","bootindex":1}',
    "-device",
    '{"driver":"ide-cd","bus":"ide.0","id":"sata0-0-0"}',
    "-netdev",
    '{"type":"user","id":"hostnet0"}',
    "-device",
    '{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0","mac":"52:54:00:12:34:56","bootindex":2}',
    "-chardev",
    "file,id=charserial0,path=/var/log/vk/efi.serial",
    "-device",
    '{"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0}',
    "-chardev",
    "socket,id=charserial1,path=/run/vk/efi.sock,server=on,wait=off",
    "-device",
    '{"driver":"isa-serial","chardev":"charserial1","id":"serial1","index":1}',
    "-chardev",
    "null,id=charserial2",
    "-device",
    '{"driver":"isa-serial","chardev":"charserial2","id":"serial2","index":2}',
    "-chardev",
    "socket,id=charchannel0,path=/run/vk/agent.sock,server=on,wait=off",
    "-device",
    '{"driver":"virtserialport","bus":"virtio-serial0.0","nr":1,"chardev":"charchannel0","id":"channel0","name":"org.qemu.guest_agent.0"}',
    "-chardev",
    "pty,id=charconsole1",
    "-device",
    '{"driver":"virtconsole","bus":"virtio-serial0.0","chardev":"charconsole1","id":"console1"}',
    "-device",
    '{"driver":"virtio-keyboard-pci","id":"input0"}',
    "-device",
    '{"driver":"usb-tablet","id":"input1","bus":"usb.0"}',
    "-display",
    "none",
    "-device",
    '{"driver":"virtio-vga","id":"video0","max_outputs":1}',
    "-device",
    '{"driver":"qxl","id":"video1","max_outputs":1,"ram_size":67108864,"vram_size":67108864,"vgamem_mb":16}',
    "-device",
    '{"driver":"ib700","id":"watchdog0"}',
    "-action",
    "watchdog=pause",
    "-object",
    '{"qom-type":"rng-builtin","id":"objrng0"}',
    "-device",
    '{"driver":"virtio-rng-pci","rng":"objrng0","id":"rng0"}',
    "-msg",
    "timestamp=on",
  ]);
});

/** The arguments after the first occurrence of `flag`, pairwise. */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
}

Deno.test("argv: character device backends", () => {
  const args = argv(withDevices(`
    <serial type='udp'><source mode='bind' host='0.0.0.0' service='9998'/><source mode='connect' host='10.0.0.1' service='9999'/></serial>
    <serial type='tcp'><source mode='connect' host='logs.example' service='514'/><target type='pci-serial'/></serial>
    <serial type='unix'><source mode='connect' path='/run/a,b.sock'/></serial>
    <serial type='dev'><source path='/dev/ttyS1'/></serial>
    <parallel type='file'><source path='/var/log/lp0' append='on'/></parallel>
    <channel type='pty'><target type='virtio' name='org.example.port'/></channel>`));
  assertEquals(valuesOf(args, "-chardev").slice(1), [
    "udp,id=charserial0,host=10.0.0.1,port=9999,localaddr=0.0.0.0,localport=9998",
    "socket,id=charserial1,host=logs.example,port=514",
    "socket,id=charserial2,path=/run/a,,b.sock",
    "tty,id=charserial3,path=/dev/ttyS1",
    "file,id=charparallel0,path=/var/log/lp0,append=on",
    "pty,id=charchannel0",
  ]);
  assertEquals(valuesOf(args, "-device"), [
    '{"driver":"virtio-serial-pci","id":"virtio-serial0"}',
    '{"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0}',
    '{"driver":"pci-serial","chardev":"charserial1","id":"serial1"}',
    '{"driver":"isa-serial","chardev":"charserial2","id":"serial2","index":2}',
    '{"driver":"isa-serial","chardev":"charserial3","id":"serial3","index":3}',
    '{"driver":"isa-parallel","chardev":"charparallel0","id":"parallel0","index":0}',
    '{"driver":"virtserialport","bus":"virtio-serial0.0","chardev":"charchannel0","id":"channel0","name":"org.example.port"}',
  ]);
});

Deno.test("argv: network interface kinds", () => {
  const args = argv(
    withDevices(`
    <interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/><model type='rtl8139'/></interface>
    <interface type='ethernet'><mac address='52:54:00:00:00:02'/><target dev='tap5'/></interface>
    <interface type='mcast'><mac address='52:54:00:00:00:03'/><source address='230.0.0.1' port='5558'/><model type='e1000e'/></interface>
    <interface type='server'><mac address='52:54:00:00:00:04'/><source address='127.0.0.1' port='5559'/><model type='virtio'/><mtu size='9000'/><rom bar='off'/></interface>`),
    {
      interfaces: [{ tapFd: 30, vhostFd: 31 }],
    },
  );
  assertEquals(valuesOf(args, "-netdev"), [
    '{"type":"tap","fd":"30","vhost":true,"vhostfd":"31","id":"hostnet0"}',
    '{"type":"tap","ifname":"tap5","script":"no","downscript":"no","id":"hostnet1"}',
    '{"type":"socket","mcast":"230.0.0.1:5558","id":"hostnet2"}',
    '{"type":"socket","listen":"127.0.0.1:5559","id":"hostnet3"}',
  ]);
  assertEquals(valuesOf(args, "-device"), [
    '{"driver":"rtl8139","netdev":"hostnet0","id":"net0","mac":"52:54:00:00:00:01"}',
    '{"driver":"rtl8139","netdev":"hostnet1","id":"net1","mac":"52:54:00:00:00:02"}',
    '{"driver":"e1000e","netdev":"hostnet2","id":"net2","mac":"52:54:00:00:00:03"}',
    '{"driver":"virtio-net-pci","netdev":"hostnet3","id":"net3","mac":"52:54:00:00:00:04","host_mtu":9000,"rombar":0}',
  ]);
});

Deno.test("argv: VNC listens, clock and CPU variants", () => {
  const socket = argv(
    withDevices(
      `<graphics type='vnc'><listen type='socket' socket='/run/vk/vnc.sock'/></graphics>`,
    ),
  );
  assertEquals(valuesOf(socket, "-vnc"), ["unix:/run/vk/vnc.sock"]);
  const fixed = argv(
    withDevices(
      `<graphics type='vnc' port='5905' autoport='no' listen='::1' sharePolicy='force-shared' passwd='x' keymap='de'/>`,
    ),
  );
  assertEquals(valuesOf(fixed, "-vnc"), ["[::1]:5,share=force-shared,password=on"]);
  assertEquals(valuesOf(fixed, "-k"), ["de"]);
  assertEquals(fixed.includes("-display"), false);
  const clock = argv(
    MINIMAL.replace(
      "<devices/>",
      "<clock offset='variable' adjustment='3600' basis='utc'/><devices/>",
    ),
    {
      now: Date.UTC(2024, 0, 1, 12, 0, 0),
    },
  );
  assertEquals(valuesOf(clock, "-rtc"), ["base=2024-01-01T13:00:00"]);
  const cpu = argv(MINIMAL.replace("<devices/>", "<cpu mode='maximum'/><devices/>"));
  assertEquals(valuesOf(cpu, "-cpu"), ["max"]);
});

Deno.test("argv: aliases match what assignQemuAliases writes into the definition", () => {
  const def = parseDomainXml(withDevices(`
    <disk type='file' device='disk'><source file='/a.img'/><target dev='vdb' bus='virtio'/></disk>
    <disk type='file' device='disk'><source file='/b.img'/><target dev='hdb' bus='ide'/></disk>
    <interface type='user'><mac address='52:54:00:00:00:09'/></interface>
    <serial type='pty'/>`));
  assignQemuAliases(def);
  const d = def.devices;
  assertEquals([
    d.disks[0].info.alias,
    d.disks[1].info.alias,
    d.interfaces[0].info.alias,
    d.serials[0].info.alias,
  ], [
    "virtio-disk1",
    "ide0-0-1",
    "net0",
    "serial0",
  ]);
  assertEquals(d.controllers.map((c) => c.info.alias), ["ide"]);
  const args = buildQemuArgv(def, OPTS).args;
  assertEquals(valuesOf(args, "-device").slice(0, 2), [
    '{"driver":"virtio-blk-pci","drive":"libvirt-2-format","id":"virtio-disk1"}',
    '{"driver":"ide-hd","bus":"ide.0","unit":1,"drive":"libvirt-1-format","id":"ide0-0-1"}',
  ]);
});

Deno.test("argv: rejects what the driver does not run, naming the element", () => {
  const cases: [string, RegExp][] = [
    [withDevices("<sound model='ich6'/>"), /^<sound>: /],
    [withDevices("<graphics type='spice' autoport='yes'/>"), /^<graphics type='spice'>: /],
    [
      withDevices(
        "<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/></interface>",
      ),
      /^<interface type='bridge'> \(mac '52:54:00:00:00:01'\): the driver did not prepare a TAP device/,
    ],
    [
      withDevices(
        "<interface type='user'><mac address='52:54:00:00:00:01'/><model type='ne2k_pci'/></interface>",
      ),
      /^<interface type='user'> \(mac '52:54:00:00:00:01'\): NIC model 'ne2k_pci' is not supported/,
    ],
    [
      withDevices(
        "<disk type='network' device='disk'><source protocol='nbd' name='x'><host name='h'/></source><target dev='vda'/></disk>",
      ),
      /^<disk type='network' device='disk'> \(target 'vda'\): disk type 'network' is not supported/,
    ],
    [
      withDevices(
        "<disk type='file' device='disk'><source file='/a'/><target dev='vda'/><iotune><total_bytes_sec>1</total_bytes_sec></iotune></disk>",
      ),
      /^<disk type='file' device='disk'> \(target 'vda'\): <iotune> is not supported/,
    ],
    [
      withDevices(
        "<disk type='file' device='cdrom'><source file='/a.iso'/><target dev='vdb' bus='virtio'/></disk>",
      ),
      /\(target 'vdb'\): a CD-ROM cannot be on the virtio bus/,
    ],
    [
      withDevices(
        "<disk type='file' device='disk'><source file='/a'/><target dev='hda' bus='ide'/></disk>",
      ).replace("<type arch='x86_64'>", "<type arch='x86_64' machine='q35'>"),
      /^<controller type='ide' index='0'>: machine 'q35' has no IDE controller/,
    ],
    [withDevices("<watchdog model='diag288'/>"), /^<watchdog model='diag288'>: /],
    [
      withDevices("<video><model type='vga'/></video><video><model type='cirrus'/></video>"),
      /^<video><model type='cirrus'>: only 'qxl' and 'virtio'/,
    ],
    [
      MINIMAL.replace(
        "<devices/>",
        "<features><hyperv mode='custom'><relaxed state='on'/></hyperv></features><devices/>",
      ),
      /^<features><hyperv>: /,
    ],
    [
      MINIMAL.replace("<os>", "<os firmware='efi'>"),
      /^<os firmware='efi'>: firmware autoselection/,
    ],
    [
      MINIMAL.replace("<devices/>", "<memoryBacking><hugepages/></memoryBacking><devices/>"),
      /^<memoryBacking>: /,
    ],
    [
      MINIMAL.replace(
        "<devices/>",
        "<clock offset='utc'><timer name='tsc' frequency='1000'/></clock><devices/>",
      ),
      /^<clock><timer name='tsc'>: /,
    ],
  ];
  // no host resources prepared: no VNC port, no TAP devices
  for (const [xml, re] of cases) {
    assertRejects(() => argv(xml, { graphics: [], interfaces: [] }), re);
  }
  assertRejects(
    () => argv(withDevices("<graphics type='vnc' autoport='yes'/>"), { graphics: [] }),
    /^<graphics type='vnc'>: no VNC port was allocated/,
  );
  // a unix channel without a path needs the driver's channel folder
  assertRejects(
    () =>
      argv(
        withDevices(
          "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
        ),
        { paths: { monitor: "/m" } },
      ),
    /^<channel type='unix'> \(target type='virtio'\): no channel folder/,
  );
});

Deno.test("argv: rejects a device type the emulator lacks", () => {
  const caps = fakeCaps();
  caps.deviceTypes = caps.deviceTypes.filter((t) => t !== "i6300esb");
  assertRejects(
    () => argv(withDevices("<watchdog model='i6300esb'/>"), { caps }),
    /^<watchdog model='i6300esb'>: emulator '\/usr\/bin\/qemu-system-x86_64' has no 'i6300esb' device/,
  );
});
