import { parseDomainXml, formatDomainXml, open } from "./mod.ts";
import { parseXml } from "./src/xml/mod.ts";
const xml = Deno.readTextFileSync("/tmp/vk/bench.xml");
const N = 3000;
function bench(name: string, f: () => unknown) {
  for (let i = 0; i < 300; i++) f();
  const t = performance.now();
  for (let i = 0; i < N; i++) f();
  console.log(name, ((performance.now() - t) / N * 1000).toFixed(1), "us");
}
bench("parseXml", () => parseXml(xml));
bench("parseDomainXml", () => parseDomainXml(xml, { inactive: true }));
const d = parseDomainXml(xml, { inactive: true });
bench("formatDomainXml", () => formatDomainXml(d));
const c = await open("test:///default");
const t = performance.now();
for (let i = 0; i < N; i++) await (await c.defineXML(xml)).XMLDesc(0);
console.log("define+xmldesc", ((performance.now() - t) / N * 1000).toFixed(1), "us");
