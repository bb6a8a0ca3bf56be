import { open } from "./mod.ts";
const xml = Deno.readTextFileSync("/tmp/vk/bench.xml");
const c = await open("test:///default");
for (const N of [200, 1000, 2000, 5000, 5000]) {
  const t = performance.now();
  for (let i = 0; i < N; i++) await (await c.defineXML(xml)).XMLDesc(0);
  console.log(N, ((performance.now() - t) / N * 1000).toFixed(1), "us");
}
