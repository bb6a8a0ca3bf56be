/**
 * The top-level sections after `<os>`: `<features>`, `<clock>`, `<pm>`,
 * `<perf>`, `<seclabel>`, `<keywrap>` and `<launchSecurity>`.
 */
import { assertEquals } from "../assert.ts";
import { domainXml, rejects, roundTrip, section } from "./domain_section_helpers.ts";

/** A domain with `xml` placed after `<os>` (where features, cpu and clock go). */
const afterOs = (xml: string, opts: { tail?: string; attrs?: string } = {}) =>
  domainXml("", opts).replace("  <devices>", `${xml}  <devices>`);

const features = (inner: string) => afterOs(`  <features>\n${inner}  </features>\n`);

Deno.test("features are written in libvirt's order with their defaults", () => {
  const xml = features(`    <tcg>
      <tb-cache unit='MiB'>128</tb-cache>
    </tcg>
    <ibs value='fixed-ccd'/>
    <sbbc value='fixed'/>
    <cfpc value='broken'/>
    <xen>
      <passthrough state='on' mode='sync_pt'/>
      <e820_host state='off'/>
    </xen>
    <ccf-assist state='off'/>
    <msrs unknown='fault'/>
    <nested-hv state='on'/>
    <htm state='off'/>
    <vmcoreinfo/>
    <hpt>
      <maxpagesize unit='GiB'>1</maxpagesize>
    </hpt>
    <ioapic driver='kvm'/>
    <smm>
      <tseg unit='MiB'>48</tseg>
    </smm>
    <gic/>
    <vmport/>
    <pmu state='off'/>
    <capabilities policy='allow'>
      <sys_time/>
      <audit_write state='off'/>
    </capabilities>
    <pvspinlock/>
    <kvm>
      <dirty-ring state='on' size='0x1000'/>
      <hint-dedicated state='on'/>
    </kvm>
    <hyperv>
      <vendor_id state='on' value='KVM Hv'/>
      <stimer state='on'>
        <direct state='off'/>
      </stimer>
      <spinlocks state='on' retries='8191'/>
      <relaxed state='off'/>
    </hyperv>
    <privnet/>
    <viridian/>
    <hap/>
    <pae/>
    <apic/>
    <acpi/>
`);
  assertEquals(
    section(roundTrip(xml), "features"),
    `  <features>
    <acpi/>
    <apic/>
    <pae/>
    <hap state='on'/>
    <viridian/>
    <privnet/>
    <hyperv mode='custom'>
      <relaxed state='off'/>
      <spinlocks state='on' retries='8191'/>
      <stimer state='on'/>
      <vendor_id state='on' value='KVM Hv'/>
    </hyperv>
    <kvm>
      <hint-dedicated state='on'/>
      <dirty-ring state='on' size='4096'/>
    </kvm>
    <pvspinlock state='on'/>
    <capabilities policy='allow'>
      <audit_write state='off'/>
      <sys_time state='on'/>
    </capabilities>
    <pmu state='off'/>
    <vmport state='on'/>
    <gic/>
    <smm state='on'>
      <tseg unit='MiB'>48</tseg>
    </smm>
    <ioapic driver='kvm'/>
    <hpt>
      <maxpagesize unit='KiB'>1048576</maxpagesize>
    </hpt>
    <vmcoreinfo state='on'/>
    <htm state='off'/>
    <nested-hv state='on'/>
    <msrs unknown='fault'/>
    <ccf-assist state='off'/>
    <xen>
      <e820_host state='off'/>
      <passthrough state='on' mode='sync_pt'/>
    </xen>
    <cfpc value='broken'/>
    <sbbc value='fixed'/>
    <ibs value='fixed-ccd'/>
    <tcg>
      <tb-cache unit='KiB'>131072</tb-cache>
    </tcg>
  </features>
`,
  );
});

Deno.test("features: empty blocks, default policies and dropped values", () => {
  const xml = features(`    <hyperv mode='passthrough'/>
    <kvm/>
    <capabilities/>
    <smm state='off'>
      <tseg unit='MiB'>48</tseg>
    </smm>
    <ioapic/>
    <hpt/>
    <tcg/>
`);
  assertEquals(
    section(roundTrip(xml), "features"),
    `  <features>
    <hyperv mode='passthrough'>
    </hyperv>
    <kvm>
    </kvm>
    <smm state='off'/>
  </features>
`,
  );
  assertEquals(
    section(
      roundTrip(features("    <capabilities>\n      <kill state='off'/>\n    </capabilities>\n")),
      "features",
    ),
    "  <features>\n    <capabilities policy='default'>\n      <kill state='off'/>\n    </capabilities>\n  </features>\n",
  );
  assertEquals(
    section(
      roundTrip(features("    <smm>\n      <tseg unit='KiB'>0</tseg>\n    </smm>\n")),
      "features",
    ),
    "  <features>\n    <smm state='on'>\n      <tseg unit='B'>0</tseg>\n    </smm>\n  </features>\n",
  );
});

Deno.test("bad features are rejected, naming the field", () => {
  rejects(
    features("    <turbo/>\n"),
    /unsupported hypervisor feature <turbo>, expected one of: acpi, apic/,
  );
  rejects(features("    <hap state='yes'/>\n"), /attribute 'state', expected one of: on, off/);
  rejects(features("    <htm/>\n"), /missing attribute 'state'/);
  rejects(
    features("    <hyperv>\n      <warp state='on'/>\n    </hyperv>\n"),
    /unsupported Hyper-V feature <warp>/,
  );
  rejects(
    features("    <hyperv mode='host'/>\n"),
    /attribute 'mode', expected one of: custom, passthrough/,
  );
  rejects(
    features("    <hyperv>\n      <spinlocks state='on' retries='100'/>\n    </hyperv>\n"),
    /at least 4095/,
  );
  rejects(
    features("    <hyperv>\n      <spinlocks state='on'/>\n    </hyperv>\n"),
    /missing attribute 'retries'/,
  );
  rejects(
    features("    <hyperv>\n      <vendor_id state='on' value='1234567890123'/>\n    </hyperv>\n"),
    /longer than 12/,
  );
  rejects(
    features(
      "    <hyperv>\n      <stimer state='on'>\n        <indirect state='on'/>\n      </stimer>\n    </hyperv>\n",
    ),
    /stimer feature <indirect>/,
  );
  rejects(
    features("    <kvm>\n      <dirty-ring state='on' size='3000'/>\n    </kvm>\n"),
    /power of 2/,
  );
  rejects(features("    <kvm>\n      <hidden/>\n    </kvm>\n"), /missing attribute 'state'/);
  rejects(
    features("    <xen>\n      <passthrough state='on' mode='default'/>\n    </xen>\n"),
    /attribute 'mode', expected one of: sync_pt, share_pt/,
  );
  rejects(features("    <capabilities policy='maybe'/>\n"), /attribute 'policy'/);
  rejects(
    features("    <capabilities>\n      <fly/>\n    </capabilities>\n"),
    /unsupported capability feature <fly>/,
  );
  rejects(features("    <gic version='4'/>\n"), /attribute 'version', expected one of: host, 2, 3/);
  rejects(features("    <msrs/>\n"), /missing attribute 'unknown'/);
  rejects(
    features("    <ibs value='fixed'/>\n"),
    /attribute 'value', expected one of: broken, workaround, fixed-ibs/,
  );
  rejects(
    features("    <smm>\n      <tseg unit='MiB'>-1</tseg>\n    </smm>\n"),
    /invalid SMM TSEG size '-1'/,
  );
});

const clock = (attrs: string, inner = "") => afterOs(`  <clock${attrs}>\n${inner}  </clock>\n`);

Deno.test("clock offsets: utc adjustments become variable, the others keep their data", () => {
  assertEquals(
    section(roundTrip(clock(" offset='utc' adjustment='+120'")), "clock"),
    "  <clock offset='variable' adjustment='120' basis='utc'/>\n",
  );
  assertEquals(
    section(roundTrip(clock(" offset='localtime' adjustment='reset'")), "clock"),
    "  <clock offset='localtime' adjustment='reset'/>\n",
  );
  assertEquals(
    section(roundTrip(clock(" offset='variable'")), "clock"),
    "  <clock offset='variable' adjustment='0' basis='utc'/>\n",
  );
  assertEquals(
    section(roundTrip(clock(" offset='timezone' timezone='Europe/Paris'")), "clock"),
    "  <clock offset='timezone' timezone='Europe/Paris'/>\n",
  );
  assertEquals(
    section(roundTrip(clock(" offset='absolute' start='1234567890'")), "clock"),
    "  <clock offset='absolute' start='1234567890'/>\n",
  );
  assertEquals(section(roundTrip(clock("")), "clock"), "  <clock offset='utc'/>\n");
});

Deno.test("clock timers keep their settings in libvirt's attribute order", () => {
  const xml = clock(
    " offset='localtime'",
    `    <timer track='wall' tickpolicy='catchup' name='rtc'>
      <catchup limit='10000' threshold='123'/>
    </timer>
    <timer name='tsc' mode='paravirt' frequency='3504000000' present='yes'/>
    <timer name='hypervclock' present='no'/>
    <timer name='pit' tickpolicy='discard'>
      <catchup/>
    </timer>
`,
  );
  assertEquals(
    section(roundTrip(xml), "clock"),
    `  <clock offset='localtime'>
    <timer name='rtc' tickpolicy='catchup' track='wall'>
      <catchup threshold='123' limit='10000'/>
    </timer>
    <timer name='tsc' present='yes' frequency='3504000000' mode='paravirt'/>
    <timer name='hypervclock' present='no'/>
    <timer name='pit' tickpolicy='discard'/>
  </clock>
`,
  );
});

Deno.test("bad clocks are rejected, naming the field", () => {
  rejects(clock(" offset='gmt'"), /attribute 'offset', expected one of: utc, localtime/);
  rejects(clock(" offset='utc' adjustment='soon'"), /invalid clock adjustment 'soon'/);
  rejects(clock(" offset='variable' basis='gmt'"), /attribute 'basis'/);
  rejects(clock(" offset='timezone'"), /missing attribute 'timezone'/);
  rejects(clock(" offset='absolute'"), /attribute 'start'/);
  rejects(clock("", "    <timer/>\n"), /missing attribute 'name'/);
  rejects(
    clock("", "    <timer name='sundial'/>\n"),
    /attribute 'name', expected one of: platform, pit, rtc/,
  );
  rejects(clock("", "    <timer name='rtc' tickpolicy='none'/>\n"), /attribute 'tickpolicy'/);
  rejects(
    clock("", "    <timer name='kvmclock' tickpolicy='delay'/>\n"),
    /kvmclock does not support setting 'tickpolicy'/,
  );
  rejects(
    clock(
      "",
      "    <timer name='rtc' tickpolicy='delay'>\n      <catchup slew='1'/>\n    </timer>\n",
    ),
    /need tickpolicy='catchup'/,
  );
  rejects(
    clock("", "    <timer name='hpet' frequency='100'/>\n"),
    /hpet does not support setting 'frequency'/,
  );
  rejects(
    clock("", "    <timer name='pit' mode='native'/>\n"),
    /pit does not support setting 'mode'/,
  );
  rejects(
    clock("", "    <timer name='pit' track='guest'/>\n"),
    /pit does not support setting 'track'/,
  );
  rejects(clock("", "    <timer name='tsc' frequency='-5'/>\n"), /attribute 'frequency'/);
});

Deno.test("pm and perf keep what was set, in libvirt's order", () => {
  const xml = domainXml("", {}).replace(
    "  <devices>",
    `  <pm>\n    <suspend-to-disk enabled='no'/>\n    <suspend-to-mem/>\n  </pm>\n` +
      `  <perf>\n    <event name='cpu_cycles' enabled='no'/>\n    <event name='cmt' enabled='yes'/>\n  </perf>\n  <devices>`,
  );
  const out = roundTrip(xml);
  assertEquals(section(out, "pm"), "  <pm>\n    <suspend-to-disk enabled='no'/>\n  </pm>\n");
  assertEquals(
    section(out, "perf"),
    "  <perf>\n    <event name='cmt' enabled='yes'/>\n    <event name='cpu_cycles' enabled='no'/>\n  </perf>\n",
  );
  rejects(
    xml.replace("enabled='no'/>\n    <suspend", "enabled='off'/>\n    <suspend"),
    /attribute 'enabled', expected one of: yes, no/,
  );
  rejects(
    xml.replace("name='cmt'", "name='cpu_cycles'"),
    /perf event 'cpu_cycles' is given more than once/,
  );
  rejects(
    xml.replace("name='cmt'", "name='cycles'"),
    /attribute 'name', expected one of: cmt, mbmt/,
  );
  rejects(xml.replace("name='cmt' enabled='yes'", "name='cmt'"), /missing attribute 'enabled'/);
});

const tail = (xml: string, inactive = false, attrs = " id='1'") =>
  roundTrip(domainXml("", { tail: xml, attrs }), inactive);

Deno.test("seclabels: defaults, and live-only labels", () => {
  const labels = `  <seclabel type='static' model='selinux'>
    <label>system_u:system_r:svirt_t:s0:c1,c2</label>
  </seclabel>
  <seclabel type='dynamic' model='dac'>
    <label>+107:+107</label>
    <imagelabel>+107:+107</imagelabel>
    <baselabel>+0:+0</baselabel>
  </seclabel>
  <seclabel type='none' model='apparmor' relabel='no'/>
`;
  assertEquals(
    tail(labels).split("</devices>\n")[1],
    `  <seclabel type='static' model='selinux' relabel='no'>
    <label>system_u:system_r:svirt_t:s0:c1,c2</label>
  </seclabel>
  <seclabel type='dynamic' model='dac' relabel='yes'>
    <label>+107:+107</label>
    <imagelabel>+107:+107</imagelabel>
    <baselabel>+0:+0</baselabel>
  </seclabel>
  <seclabel type='none' model='apparmor'/>
</domain>
`,
  );
  assertEquals(
    tail(labels, true).split("</devices>\n")[1],
    `  <seclabel type='static' model='selinux' relabel='no'>
    <label>system_u:system_r:svirt_t:s0:c1,c2</label>
  </seclabel>
  <seclabel type='dynamic' model='dac' relabel='yes'>
    <baselabel>+0:+0</baselabel>
  </seclabel>
  <seclabel type='none' model='apparmor'/>
</domain>
`,
  );
  assertEquals(
    tail("  <seclabel model='none' type='dynamic'/>\n", true).split("</devices>\n")[1],
    "  <seclabel type='none' model='none'/>\n</domain>\n",
  );
});

Deno.test("bad seclabels are rejected", () => {
  const bad = (xml: string, pattern: RegExp, inactive = true) =>
    rejects(domainXml("", { tail: xml }), pattern, inactive);
  bad("  <seclabel type='default'/>\n", /attribute 'type', expected one of: dynamic, static, none/);
  bad("  <seclabel type='dynamic' relabel='no'/>\n", /must use relabel='yes'/);
  bad(
    "  <seclabel type='none' relabel='yes'/>\n",
    /not compatible with security label type 'none'/,
  );
  bad("  <seclabel type='static' model='selinux'/>\n", /missing security <label>/);
  bad("  <seclabel type='dynamic' model='selinux'/>\n", /missing security <label>/, false);
  bad(
    "  <seclabel type='dynamic' model='selinux'><label>a</label></seclabel>\n",
    /missing security <imagelabel>/,
    false,
  );
  bad("  <seclabel type='dynamic' model='none'/>\n", /not supported with model 'none'/, false);
  bad(
    "  <seclabel type='none' model='dac'/>\n  <seclabel type='none' model='dac'/>\n",
    /model 'dac' is already given/,
  );
  bad(
    "  <seclabel type='none' model='dac'/>\n  <seclabel type='none'/>\n",
    /needs a model when several are given/,
  );
});

Deno.test("keywrap and launch security", () => {
  const out = tail(`  <keywrap>
    <cipher name='dea' state='off'/>
    <cipher name='aes' state='on'/>
  </keywrap>
  <launchSecurity type='sev' kernelHashes='yes'>
    <policy>3</policy>
    <session>AAAA</session>
    <reducedPhysBits>1</reducedPhysBits>
  </launchSecurity>
`).split("</devices>\n")[1];
  assertEquals(
    out,
    `  <keywrap>
    <cipher name='aes' state='on'/>
    <cipher name='dea' state='off'/>
  </keywrap>
  <launchSecurity type='sev' kernelHashes='yes'>
    <reducedPhysBits>1</reducedPhysBits>
    <policy>0x0003</policy>
    <session>AAAA</session>
  </launchSecurity>
</domain>
`,
  );
  assertEquals(
    tail("  <launchSecurity type='s390-pv'/>\n").split("</devices>\n")[1],
    "  <launchSecurity type='s390-pv'/>\n</domain>\n",
  );
  const bad = (xml: string, pattern: RegExp) => rejects(domainXml("", { tail: xml }), pattern);
  bad(
    "  <keywrap>\n    <cipher name='aes' state='on'/>\n    <cipher name='aes' state='off'/>\n  </keywrap>\n",
    /more than one <cipher> with name 'aes'/,
  );
  bad(
    "  <keywrap>\n    <cipher name='des' state='on'/>\n  </keywrap>\n",
    /attribute 'name', expected one of: aes, dea/,
  );
  bad("  <keywrap>\n    <cipher name='aes'/>\n  </keywrap>\n", /missing attribute 'state'/);
  bad("  <launchSecurity type='tdx'/>\n", /attribute 'type', expected one of: sev, s390-pv/);
  bad("  <launchSecurity type='sev'/>\n", /invalid launch security <policy>/);
  bad(
    "  <launchSecurity type='sev'>\n    <policy>0x1</policy>\n    <cbitpos>x</cbitpos>\n  </launchSecurity>\n",
    /invalid launch security cbitpos 'x'/,
  );
});
