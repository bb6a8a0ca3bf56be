/**
 * Our formatted domain XML validates against libvirt's RELAX NG schema, for
 * every expected domain of the shared vmx2xml and lxcconf2xml suites.
 */
import { assertEquals } from "../assert.ts";
import { formatDomainXml, parseDomainXml } from "../../mod.ts";
import { hasCommand, skipUnless } from "../skip.ts";

const SHARED = new URL("../../../shared/", import.meta.url);
const SCHEMA = new URL("reference/schemas/domain.rng", SHARED).pathname;

function expectedDomains(): { name: string; xml: string }[] {
  const out: { name: string; xml: string }[] = [];
  for (const suite of ["vmx2xml", "lxcconf2xml"]) {
    const manifest = JSON.parse(Deno.readTextFileSync(new URL(`conformance/${suite}/manifest.json`, SHARED)));
    for (const c of manifest.cases) {
      if (c.expect !== "ok") continue;
      out.push({ name: `${suite}-${c.name}`, xml: Deno.readTextFileSync(new URL(`conformance/${suite}/${c.name}.xml`, SHARED)) });
    }
  }
  return out;
}

Deno.test({
  name: "formatted domain XML validates against domain.rng",
  ignore: skipUnless(hasCommand("xmllint"), "xmllint (libxml2-utils) is not installed"),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "virtkit-schema-" });
    try {
      const files: string[] = [];
      for (const { name, xml } of expectedDomains()) {
        const file = `${dir}/${name}.xml`;
        await Deno.writeTextFile(file, formatDomainXml(parseDomainXml(xml), { secure: true }));
        files.push(file);
      }
      const out = await new Deno.Command("xmllint", { args: ["--noout", "--relaxng", SCHEMA, ...files], stderr: "piped" }).output();
      const report = new TextDecoder().decode(out.stderr);
      const invalid = report.split("\n").filter((l) => l.includes("fails to validate") || l.includes("error"));
      assertEquals(invalid, [], report);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
