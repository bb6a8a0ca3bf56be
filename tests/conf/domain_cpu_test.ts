/**
 * `<cpu>` (model, topology, cache, maxphysaddr, features), the guest NUMA
 * topology with HMAT data, and `<numatune>`.
 */
import { assertEquals } from "../assert.ts";
import { parseDomainXml } from "../../mod.ts";
import { domainXml, rejects, roundTrip, section } from "./domain_section_helpers.ts";

const cpu = (inner: string, attrs = "", opts: { vcpus?: number } = {}) =>
  domainXml("", { ...opts, tail: "", head: "" }).replace(
    "  <devices>",
    `  <cpu${attrs}>\n${inner}  </cpu>\n  <devices>`,
  );

Deno.test("custom CPU: defaults filled in and children in libvirt's order", () => {
  const xml = cpu(
    `    <feature name='pcid'/>
    <maxphysaddr mode='emulate' bits='42'/>
    <cache level='3' mode='emulate'/>
    <feature policy='disable' name='lahf_lm'/>
    <topology sockets='1' cores='2' threads='2'/>
    <vendor>Intel</vendor>
    <model vendor_id='GenuineIntel'>core2duo</model>
`,
    " check='full'",
  );
  assertEquals(
    section(roundTrip(xml), "cpu"),
    `  <cpu mode='custom' match='exact' check='full'>
    <model fallback='allow' vendor_id='GenuineIntel'>core2duo</model>
    <vendor>Intel</vendor>
    <topology sockets='1' dies='1' cores='2' threads='2'/>
    <cache level='3' mode='emulate'/>
    <maxphysaddr mode='emulate' bits='42'/>
    <feature policy='require' name='pcid'/>
    <feature policy='disable' name='lahf_lm'/>
  </cpu>
`,
  );
});

Deno.test("host-passthrough CPU keeps migratable and drops model details", () => {
  const xml = cpu(
    "    <model fallback='forbid' vendor_id='AuthenticAMD'>EPYC</model>\n    <cache mode='passthrough'/>\n",
    " mode='host-passthrough' migratable='off' check='none'",
  );
  assertEquals(
    section(roundTrip(xml), "cpu"),
    `  <cpu mode='host-passthrough' check='none' migratable='off'>
    <cache mode='passthrough'/>
  </cpu>
`,
  );
});

Deno.test("a CPU with only a topology has no attributes; an empty one vanishes", () => {
  const xml = cpu("    <topology sockets='2' dies='1' cores='1' threads='2'/>\n", " match='exact'");
  assertEquals(
    section(roundTrip(xml), "cpu"),
    "  <cpu>\n    <topology sockets='2' dies='1' cores='1' threads='2'/>\n  </cpu>\n",
  );
  assertEquals(section(roundTrip(cpu("", "")), "cpu"), "");
});

Deno.test("host-model CPU with a vendor_id and no model name", () => {
  const xml = cpu("    <model vendor_id='GenuineIntel'/>\n", " mode='host-model'");
  assertEquals(
    section(roundTrip(xml), "cpu"),
    "  <cpu mode='host-model'>\n    <model vendor_id='GenuineIntel'/>\n  </cpu>\n",
  );
});

Deno.test("bad CPU definitions are rejected, naming the field", () => {
  rejects(cpu("", " mode='hostish'"), /attribute 'mode', expected one of: custom, host-model/);
  rejects(cpu("", " match='loose'"), /attribute 'match'/);
  rejects(cpu("", " migratable='on'"), /migratable/);
  rejects(cpu("    <topology sockets='1' cores='1' threads='1'/>\n", " check='full'"), /'check'/);
  rejects(cpu("    <vendor>Intel</vendor>\n"), /<vendor> given without a CPU <model>/);
  rejects(cpu("    <feature name='pcid'/>\n"), /features given without a CPU <model>/);
  rejects(
    cpu("    <model>x</model>\n    <feature name='a'/>\n    <feature name='a'/>\n"),
    /feature 'a' is given more than once/,
  );
  rejects(
    cpu("    <model>x</model>\n    <feature policy='maybe' name='a'/>\n"),
    /attribute 'policy'/,
  );
  rejects(cpu("    <model vendor_id='short'>x</model>\n"), /vendor_id must be exactly 12/);
  rejects(cpu("    <topology sockets='0' cores='1' threads='1'/>\n"), /'sockets'/);
  rejects(cpu("    <topology sockets='1' threads='1'/>\n"), /missing attribute 'cores'/);
  rejects(cpu("    <cache level='4' mode='emulate'/>\n"), /cache level '4'/);
  rejects(
    cpu("    <cache mode='emulate'/>\n    <cache mode='disable'/>\n"),
    /at most one CPU <cache>/,
  );
  rejects(
    cpu("    <maxphysaddr mode='guess'/>\n"),
    /attribute 'mode', expected one of: emulate, passthrough/,
  );
});

const numaCpu = `    <numa>
      <cell id='1' cpus='2-3' memory='1' unit='GiB' memAccess='shared'>
        <distances>
          <sibling id='0' value='21'/>
          <sibling id='1' value='10'/>
        </distances>
      </cell>
      <cell id='0' cpus='0-1' memory='524288' discard='yes'>
        <cache level='1' associativity='direct' policy='writeback'>
          <size value='10' unit='KiB'/>
          <line value='8' unit='B'/>
        </cache>
      </cell>
      <interconnects>
        <latency initiator='0' target='0' type='access' value='5'/>
        <bandwidth initiator='0' target='1' type='read' value='200' unit='MiB'/>
        <latency initiator='0' target='0' cache='1' type='write' value='10'/>
      </interconnects>
    </numa>
`;

Deno.test("guest NUMA: cells by id, KiB sizes, mirrored distances, HMAT, and memory from the cells", () => {
  const out = roundTrip(cpu(numaCpu));
  assertEquals(
    section(out, "cpu"),
    `  <cpu>
    <numa>
      <cell id='0' cpus='0-1' memory='524288' unit='KiB' discard='yes'>
        <distances>
          <sibling id='0' value='10'/>
          <sibling id='1' value='21'/>
        </distances>
        <cache level='1' associativity='direct' policy='writeback'>
          <size value='10' unit='KiB'/>
          <line value='8' unit='B'/>
        </cache>
      </cell>
      <cell id='1' cpus='2-3' memory='1048576' unit='KiB' memAccess='shared'>
        <distances>
          <sibling id='0' value='21'/>
          <sibling id='1' value='10'/>
        </distances>
      </cell>
      <interconnects>
        <latency initiator='0' target='0' type='access' value='5'/>
        <bandwidth initiator='0' target='1' type='read' value='204800' unit='KiB'/>
        <latency initiator='0' target='0' cache='1' type='write' value='10'/>
      </interconnects>
    </numa>
  </cpu>
`,
  );
  assertEquals(section(out, "memory"), "  <memory unit='KiB'>1572864</memory>\n");
  assertEquals(parseDomainXml(cpu(numaCpu)).memory.current, 1572864);
});

Deno.test("bad NUMA topologies are rejected", () => {
  const cell = (attrs: string, inner = "") =>
    cpu(`    <numa>\n      <cell ${attrs}>${inner}</cell>\n    </numa>\n`);
  rejects(cpu("    <numa>\n    </numa>\n"), /without any <cell>/);
  rejects(cell("id='1' cpus='0' memory='1'"), /NUMA cell ids must be unique/);
  rejects(cell("cpus='0'"), /missing attribute 'memory'/);
  rejects(cell("cpus='0' memory='1' unit='parsecs'"), /unknown unit 'parsecs'/);
  rejects(cell("cpus='0' memory='1' memAccess='public'"), /attribute 'memAccess'/);
  rejects(cell("cpus='0-4' memory='1'"), /CPUs in <numa> exceeds the <vcpu> count/);
  rejects(cell("cpus='7' memory='1'"), /CPU ids in <numa> exceed the <vcpu> count/);
  rejects(
    cell("cpus='0' memory='1'", "<distances><sibling id='0' value='20'/></distances>"),
    /invalid distance value 20/,
  );
  rejects(
    cell("cpus='0' memory='1'", "<distances><sibling id='3' value='20'/></distances>"),
    /sibling id 3/,
  );
  rejects(
    cpu(
      "    <numa>\n      <cell cpus='0-1' memory='1'/>\n      <cell cpus='1-2' memory='1'/>\n    </numa>\n",
    ),
    /overlapping vCPU ids/,
  );
  rejects(
    cpu(
      "    <numa>\n      <cell cpus='0' memory='1'/>\n      <cell memory='1'/>\n      <interconnects>\n" +
        "        <latency initiator='1' target='0' type='access' value='5'/>\n      </interconnects>\n    </numa>\n",
    ),
    /cell 1 has no vCPUs and cannot be an initiator/,
  );
  rejects(
    cpu(
      "    <numa>\n      <cell cpus='0' memory='1'/>\n      <interconnects>\n" +
        "        <latency initiator='0' target='0' cache='2' type='access' value='5'/>\n      </interconnects>\n    </numa>\n",
    ),
    /cache level 2/,
  );
});

const withCells = (numatune: string, opts: { vcpuPlacement?: string } = {}) =>
  domainXml(numatune).replace(
    "<vcpu placement='static'>",
    `<vcpu placement='${opts.vcpuPlacement ?? "static"}'>`,
  )
    .replace(
      "  <devices>",
      `  <cpu>\n    <numa>\n      <cell cpus='0-1' memory='1024'/>\n      <cell cpus='2-3' memory='1024'/>\n    </numa>\n  </cpu>\n  <devices>`,
    );

Deno.test("numatune: mode default, memnodes in cell order", () => {
  const xml = withCells(`  <numatune>
    <memnode cellid='1' mode='preferred' nodeset='1'/>
    <memory nodeset='0-1,^1'/>
    <memnode cellid='0' nodeset='0'/>
  </numatune>
`);
  assertEquals(
    section(roundTrip(xml), "numatune"),
    `  <numatune>
    <memory mode='strict' nodeset='0'/>
    <memnode cellid='0' mode='strict' nodeset='0'/>
    <memnode cellid='1' mode='preferred' nodeset='1'/>
  </numatune>
`,
  );
});

Deno.test("numatune: automatic placement follows the vCPUs, both ways", () => {
  const out = roundTrip(domainXml("").replace("placement='static'", "placement='auto'"));
  assertEquals(
    section(out, "numatune"),
    "  <numatune>\n    <memory mode='strict' placement='auto'/>\n  </numatune>\n",
  );
  const back = roundTrip(
    domainXml(
      "  <numatune>\n    <memory mode='interleave' placement='auto' nodeset='0'/>\n  </numatune>\n",
    ),
  );
  assertEquals(section(back, "vcpu"), "  <vcpu placement='auto'>4</vcpu>\n");
  assertEquals(
    section(back, "numatune"),
    "  <numatune>\n    <memory mode='interleave' placement='auto'/>\n  </numatune>\n",
  );
});

Deno.test("bad numatune definitions are rejected", () => {
  rejects(
    domainXml("  <numatune>\n    <memory mode='strict'/>\n  </numatune>\n"),
    /needs a nodeset/,
  );
  rejects(
    domainXml("  <numatune>\n    <memory mode='loose' nodeset='0'/>\n  </numatune>\n"),
    /attribute 'mode', expected one of: strict/,
  );
  rejects(
    domainXml("  <numatune>\n    <memory nodeset='x'/>\n  </numatune>\n"),
    /invalid nodeset 'x'/,
  );
  rejects(
    domainXml("  <numatune>\n    <memnode cellid='0' nodeset='0'/>\n  </numatune>\n"),
    /without any guest NUMA cells/,
  );
  rejects(
    withCells("  <numatune>\n    <memnode cellid='2' nodeset='0'/>\n  </numatune>\n"),
    /cellid 2/,
  );
  rejects(
    withCells("  <numatune>\n    <memnode cellid='0' mode='strict'/>\n  </numatune>\n"),
    /missing attribute 'nodeset'/,
  );
  rejects(
    withCells(
      "  <numatune>\n    <memory mode='restrictive' nodeset='0'/>\n    <memnode cellid='0' nodeset='0'/>\n  </numatune>\n",
    ),
    /must be 'restrictive'/,
  );
  rejects(
    withCells(
      "  <numatune>\n    <memory placement='auto'/>\n    <memnode cellid='0' nodeset='0'/>\n  </numatune>\n",
    ),
    /not compatible with automatic NUMA placement/,
  );
});
