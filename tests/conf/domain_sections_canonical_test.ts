/**
 * A domain using every element of the CPU, tuning, features, clock and
 * security sections at once: it is canonical (formats back to itself),
 * passes validate mode, and its output validates against libvirt's schema.
 */
import { assertEquals } from "../assert.ts";
import { formatDomainXml, parseDomainXml } from "../../mod.ts";
import { hasCommand, skipUnless } from "../skip.ts";

const SCHEMA = new URL("../../../shared/reference/schemas/domain.rng", import.meta.url).pathname;

const CANONICAL = `<domain type='kvm' id='3'>
  <name>big</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>1572864</memory>
  <currentMemory unit='KiB'>1572864</currentMemory>
  <vcpu placement='static'>8</vcpu>
  <iothreads>2</iothreads>
  <cputune>
    <shares>0</shares>
    <global_period>2000</global_period>
    <global_quota>-1</global_quota>
    <emulator_period>3000</emulator_period>
    <emulator_quota>4000</emulator_quota>
    <iothread_period>5000</iothread_period>
    <iothread_quota>6000</iothread_quota>
    <vcpupin vcpu='0' cpuset='0-1'/>
    <vcpupin vcpu='3' cpuset='1'/>
    <emulatorpin cpuset='4'/>
    <iothreadpin iothread='1' cpuset='2'/>
    <iothreadpin iothread='2' cpuset='3'/>
    <iothreadsched iothreads='1' scheduler='rr' priority='3'/>
    <iothreadsched iothreads='2' scheduler='rr' priority='3'/>
  </cputune>
  <numatune>
    <memory mode='interleave' nodeset='0-1'/>
    <memnode cellid='0' mode='strict' nodeset='0'/>
    <memnode cellid='1' mode='preferred' nodeset='1'/>
  </numatune>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic eoi='on'/>
    <pae/>
    <hap state='on'/>
    <viridian/>
    <privnet/>
    <hyperv mode='custom'>
      <relaxed state='on'/>
      <vapic state='on'/>
      <spinlocks state='on' retries='4096'/>
      <vpindex state='on'/>
      <runtime state='on'/>
      <synic state='on'/>
      <stimer state='on'>
        <direct state='on'/>
      </stimer>
      <reset state='on'/>
      <vendor_id state='on' value='KVM Hv'/>
      <frequencies state='on'/>
      <reenlightenment state='on'/>
      <tlbflush state='on'/>
      <ipi state='on'/>
      <evmcs state='off'/>
      <avic state='on'/>
    </hyperv>
    <kvm>
      <hidden state='on'/>
      <pv-ipi state='off'/>
      <dirty-ring state='on' size='4096'/>
    </kvm>
    <pvspinlock state='off'/>
    <capabilities policy='deny'>
      <chown state='off'/>
      <sys_time state='on'/>
    </capabilities>
    <pmu state='on'/>
    <vmport state='off'/>
    <gic version='2'/>
    <smm state='on'>
      <tseg unit='KiB'>1536</tseg>
    </smm>
    <ioapic driver='qemu'/>
    <hpt resizing='required'>
      <maxpagesize unit='KiB'>16384</maxpagesize>
    </hpt>
    <vmcoreinfo state='on'/>
    <htm state='on'/>
    <nested-hv state='off'/>
    <msrs unknown='ignore'/>
    <ccf-assist state='on'/>
    <xen>
      <e820_host state='on'/>
      <passthrough state='on' mode='share_pt'/>
    </xen>
    <cfpc value='workaround'/>
    <sbbc value='workaround'/>
    <ibs value='fixed-na'/>
    <tcg>
      <tb-cache unit='KiB'>131072</tb-cache>
    </tcg>
  </features>
  <cpu mode='custom' match='minimum' check='partial'>
    <model fallback='forbid' vendor_id='GenuineIntel'>core2duo</model>
    <vendor>Intel</vendor>
    <topology sockets='2' dies='1' cores='2' threads='2'/>
    <cache level='3' mode='emulate'/>
    <maxphysaddr mode='emulate' bits='42'/>
    <feature policy='disable' name='lahf_lm'/>
    <feature policy='require' name='pcid'/>
    <numa>
      <cell id='0' cpus='0-3' memory='524288' unit='KiB'>
        <distances>
          <sibling id='0' value='10'/>
          <sibling id='1' value='21'/>
        </distances>
        <cache level='1' associativity='direct' policy='writeback'>
          <size value='10' unit='KiB'/>
          <line value='8' unit='B'/>
        </cache>
      </cell>
      <cell id='1' cpus='4-7' memory='1048576' unit='KiB' memAccess='shared' discard='yes'>
        <distances>
          <sibling id='0' value='21'/>
          <sibling id='1' value='10'/>
        </distances>
      </cell>
      <interconnects>
        <latency initiator='0' target='0' type='access' value='5'/>
        <bandwidth initiator='0' target='0' cache='1' type='access' value='204800' unit='KiB'/>
        <latency initiator='0' target='0' cache='1' type='access' value='10'/>
      </interconnects>
    </numa>
  </cpu>
  <clock offset='variable' adjustment='-3600' basis='localtime'>
    <timer name='rtc' tickpolicy='catchup' track='guest'>
      <catchup threshold='123' slew='120' limit='10000'/>
    </timer>
    <timer name='pit' tickpolicy='delay'/>
    <timer name='tsc' present='yes' frequency='1000000000' mode='native'/>
    <timer name='hpet' present='no'/>
    <timer name='kvmclock'/>
  </clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <pm>
    <suspend-to-mem enabled='yes'/>
    <suspend-to-disk enabled='no'/>
  </pm>
  <devices>
  </devices>
  <seclabel type='static' model='selinux' relabel='yes'>
    <label>system_u:system_r:svirt_t:s0:c392,c662</label>
    <imagelabel>system_u:object_r:svirt_image_t:s0:c392,c662</imagelabel>
  </seclabel>
  <seclabel type='dynamic' model='dac' relabel='yes'>
    <label>+0:+0</label>
    <imagelabel>+0:+0</imagelabel>
    <baselabel>+107:+107</baselabel>
  </seclabel>
  <seclabel type='none' model='apparmor'/>
  <keywrap>
    <cipher name='aes' state='on'/>
    <cipher name='dea' state='off'/>
  </keywrap>
  <launchSecurity type='s390-pv'/>
</domain>
`;

Deno.test("every CPU, tuning, feature and clock element round-trips unchanged in validate mode", () => {
  const def = parseDomainXml(CANONICAL, { validate: true });
  assertEquals(formatDomainXml(def, { secure: true }), CANONICAL);
});

Deno.test({
  name: "the canonical sections validate against domain.rng",
  ignore: skipUnless(hasCommand("xmllint"), "xmllint (libxml2-utils) is not installed"),
  async fn() {
    const file = await Deno.makeTempFile({ prefix: "virtkit-sections-", suffix: ".xml" });
    try {
      await Deno.writeTextFile(file, formatDomainXml(parseDomainXml(CANONICAL), { secure: true }));
      const out = await new Deno.Command("xmllint", {
        args: ["--noout", "--relaxng", SCHEMA, file],
        stderr: "piped",
      }).output();
      const report = new TextDecoder().decode(out.stderr);
      assertEquals(out.success, true, report);
    } finally {
      await Deno.remove(file);
    }
  },
});
