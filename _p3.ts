import { open } from "./mod.ts";
const xml = Deno.readTextFileSync("/tmp/vk/bench.xml");
const c = await open("test:///default");
for (let i = 0; i < 30000; i++) await (await c.defineXML(xml)).XMLDesc(0);
