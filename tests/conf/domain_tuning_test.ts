/**
 * `<cputune>`: CFS tunables, pinning, schedulers, and the resctrl
 * `<cachetune>`/`<memorytune>` groups.
 */
import { assertEquals } from "../assert.ts";
import { domainXml, rejects, roundTrip, section } from "./domain_section_helpers.ts";

const tune = (inner: string, opts: { vcpus?: number; attrs?: string } = {}) =>
  domainXml(`  <cputune>\n${inner}  </cputune>\n`, {
    ...opts,
    head: "  <iothreads>3</iothreads>\n",
  });

Deno.test("cputune: tunables, pins and schedulers in libvirt's order, one scheduler per thread", () => {
  const xml = tune(`    <iothreadsched iothreads='3,1' scheduler='batch'/>
    <vcpusched vcpus='0-3,^1' scheduler='fifo' priority='5'/>
    <emulatorsched scheduler='idle'/>
    <iothreadpin iothread='2' cpuset='4-5'/>
    <emulatorpin cpuset='0,2-3'/>
    <vcpupin vcpu='9' cpuset='0'/>
    <vcpupin vcpu='2' cpuset='1'/>
    <vcpupin vcpu='0' cpuset='0-3,^2'/>
    <iothread_quota>-1</iothread_quota>
    <iothread_period>100000</iothread_period>
    <emulator_quota>2000</emulator_quota>
    <emulator_period>1000</emulator_period>
    <global_quota>50000</global_quota>
    <global_period>100000</global_period>
    <quota>0</quota>
    <period>1000000</period>
    <shares>0</shares>
`);
  assertEquals(
    section(roundTrip(xml), "cputune"),
    `  <cputune>
    <shares>0</shares>
    <period>1000000</period>
    <global_period>100000</global_period>
    <global_quota>50000</global_quota>
    <emulator_period>1000</emulator_period>
    <emulator_quota>2000</emulator_quota>
    <iothread_period>100000</iothread_period>
    <iothread_quota>-1</iothread_quota>
    <vcpupin vcpu='0' cpuset='0-1,3'/>
    <vcpupin vcpu='2' cpuset='1'/>
    <emulatorpin cpuset='0,2-3'/>
    <iothreadpin iothread='2' cpuset='4-5'/>
    <emulatorsched scheduler='idle'/>
    <vcpusched vcpus='0' scheduler='fifo' priority='5'/>
    <vcpusched vcpus='2' scheduler='fifo' priority='5'/>
    <vcpusched vcpus='3' scheduler='fifo' priority='5'/>
    <iothreadsched iothreads='1' scheduler='batch'/>
    <iothreadsched iothreads='3' scheduler='batch'/>
  </cputune>
`,
  );
});

Deno.test("cputune with nothing set is left out", () => {
  assertEquals(section(roundTrip(tune("    <quota>0</quota>\n")), "cputune"), "");
});

Deno.test("bad cputune values are rejected, naming the field", () => {
  rejects(
    tune("    <period>999</period>\n"),
    /cputune period must be in the range \[1000, 1000000\]/,
  );
  rejects(
    tune("    <global_quota>17592186044416</global_quota>\n"),
    /global_quota must be in the range/,
  );
  rejects(tune("    <shares>-1</shares>\n"), /invalid cputune shares '-1'/);
  rejects(tune("    <quota>lots</quota>\n"), /invalid cputune quota 'lots'/);
  rejects(tune("    <vcpupin vcpu='0' cpuset='a-b'/>\n"), /invalid cpuset 'a-b'/);
  rejects(tune("    <vcpupin vcpu='0' cpuset='0,^0'/>\n"), /selects no CPU/);
  rejects(tune("    <vcpupin vcpu='0'/>\n"), /missing attribute 'cpuset'/);
  rejects(
    tune("    <vcpupin vcpu='1' cpuset='0'/>\n    <vcpupin vcpu='1' cpuset='1'/>\n"),
    /duplicate <vcpupin> for vCPU 1/,
  );
  rejects(
    tune("    <emulatorpin cpuset='0'/>\n    <emulatorpin cpuset='1'/>\n"),
    /only one <emulatorpin>/,
  );
  rejects(
    tune("    <iothreadpin iothread='7' cpuset='0'/>\n"),
    /I\/O thread 7, which does not exist/,
  );
  rejects(
    tune("    <vcpusched vcpus='0' scheduler='deadline'/>\n"),
    /attribute 'scheduler', expected one of: batch, idle, fifo, rr/,
  );
  rejects(tune("    <vcpusched vcpus='0' scheduler='rr'/>\n"), /missing attribute 'priority'/);
  rejects(tune("    <vcpusched scheduler='idle'/>\n"), /missing attribute 'vcpus'/);
  rejects(
    tune(
      "    <vcpusched vcpus='0-1' scheduler='idle'/>\n    <vcpusched vcpus='1' scheduler='batch'/>\n",
    ),
    /must not overlap/,
  );
  rejects(
    tune("    <vcpusched vcpus='4' scheduler='idle'/>\n"),
    /names vCPU 4, but the domain has 4 vCPUs/,
  );
  rejects(
    tune("    <iothreadsched iothreads='4' scheduler='idle'/>\n"),
    /I\/O thread 4, which does not exist/,
  );
});

Deno.test("resctrl: a memorytune joins the group with the same vCPUs; ids only in live XML", () => {
  const body = `    <memorytune vcpus='2-9'>
      <node id='1' bandwidth='40'/>
      <node id='0' bandwidth='50'/>
    </memorytune>
    <cachetune vcpus='0-1' id='mine'>
      <cache id='1' level='3' type='data' size='1' unit='MiB'/>
      <cache id='0' level='3' type='both' size='3072'/>
      <cache id='1' level='2' type='code' size='4096' unit='B'/>
      <monitor level='3' vcpus='1'/>
    </cachetune>
    <memorytune vcpus='0-1'>
      <monitor vcpus='0-1'/>
      <node id='0' bandwidth='20'/>
    </memorytune>
    <cachetune vcpus='2-9'>
      <monitor level='3' vcpus='2'/>
    </cachetune>
`;
  const want = (id: (s: string) => string) =>
    `  <cputune>
    <cachetune vcpus='0-1'${id("mine")}>
      <cache id='1' level='2' type='code' size='4' unit='KiB'/>
      <cache id='0' level='3' type='both' size='3' unit='MiB'/>
      <cache id='1' level='3' type='data' size='1' unit='MiB'/>
      <monitor level='3' vcpus='1'/>
    </cachetune>
    <cachetune vcpus='2-3'${id("vcpus_2-3")}>
      <monitor level='3' vcpus='2'/>
    </cachetune>
    <memorytune vcpus='0-1'${id("mine")}>
      <node id='0' bandwidth='20'/>
      <monitor vcpus='0-1'/>
    </memorytune>
    <memorytune vcpus='2-3'${id("vcpus_2-3")}>
      <node id='0' bandwidth='50'/>
      <node id='1' bandwidth='40'/>
    </memorytune>
  </cputune>
`;
  assertEquals(
    section(roundTrip(tune(body, { attrs: " id='7'" })), "cputune"),
    want((i) => ` id='${i}'`),
  );
  // Without a domain id libvirt formats the definition as inactive.
  assertEquals(section(roundTrip(tune(body)), "cputune"), want(() => ""));
  // An inactive parse ignores given ids.
  assertEquals(
    section(roundTrip(tune(body, { attrs: " id='7'" }), true), "cputune"),
    want(() => ""),
  );
});

Deno.test("resctrl groups beyond the vCPUs are cut or dropped", () => {
  const xml = tune(`    <cachetune vcpus='2-7'>
      <cache id='0' level='3' type='both' size='1' unit='MiB'/>
    </cachetune>
    <cachetune vcpus='8'>
      <cache id='0' level='3' type='both' size='1' unit='MiB'/>
    </cachetune>
`);
  assertEquals(
    section(roundTrip(xml), "cputune"),
    "  <cputune>\n    <cachetune vcpus='2-3'>\n      <cache id='0' level='3' type='both' size='1' unit='MiB'/>\n    </cachetune>\n  </cputune>\n",
  );
});

Deno.test("bad resctrl definitions are rejected", () => {
  const ct = (vcpus: string, inner: string) =>
    `    <cachetune vcpus='${vcpus}'>\n${inner}    </cachetune>\n`;
  const mt = (vcpus: string, inner: string) =>
    `    <memorytune vcpus='${vcpus}'>\n${inner}    </memorytune>\n`;
  const cache = (type: string, id = 0) =>
    `      <cache id='${id}' level='3' type='${type}' size='1' unit='MiB'/>\n`;
  rejects(
    tune(ct("0", cache("both") + cache("code"))),
    /colliding cache allocations for cache level 3 id 0, type code/,
  );
  rejects(tune(ct("0", cache("code") + cache("code"))), /colliding cache allocations/);
  rejects(tune(ct("0", cache("shared"))), /attribute 'type', expected one of: both, code, data/);
  rejects(
    tune(ct("0", "      <cache id='0' level='3' type='both' size='1' unit='zz'/>\n")),
    /unknown unit 'zz'/,
  );
  rejects(tune(ct("0-1", cache("both")) + ct("1-2", cache("both", 1))), /overlap the vCPUs 0-1/);
  rejects(
    tune(ct("0-1", cache("both")) + ct("0-1", cache("both", 1))),
    /two <cachetune> elements have the same vCPUs 0-1/,
  );
  rejects(
    tune(ct("0-1", cache("code")) + mt("0", "      <node id='0' bandwidth='50'/>\n")),
    /<memorytune> vCPUs 0 overlap/,
  );
  rejects(
    tune(mt("0", "      <node id='0' bandwidth='50'/>\n      <node id='0' bandwidth='50'/>\n")),
    /node 0 is already given/,
  );
  rejects(
    tune(
      mt("0", "      <node id='0' bandwidth='50'/>\n") +
        mt("0", "      <node id='0' bandwidth='10'/>\n"),
    ),
    /node 0 is already given/,
  );
  rejects(tune(mt("0", "      <node id='0' bandwidth='101'/>\n")), /bandwidth 101 is above 100/);
  rejects(
    tune(ct("0", cache("both") + "      <monitor level='2' vcpus='0'/>\n")),
    /invalid monitor cache level '2'/,
  );
  rejects(
    tune(ct("0", cache("both") + "      <monitor level='3' vcpus='1'/>\n")),
    /not all in the allocation vCPUs/,
  );
  rejects(
    tune(
      ct(
        "0-2",
        cache("both") +
          "      <monitor level='3' vcpus='0-1'/>\n      <monitor level='3' vcpus='1-2'/>\n",
      ),
    ),
    /overlap another monitor/,
  );
  rejects(
    tune(ct("0-1", "      <monitor level='3' vcpus='0'/>\n      <monitor level='3' vcpus='0'/>\n")),
    /same vCPUs 0/,
  );
});
