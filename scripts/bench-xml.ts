/**
 * Domain XML parse+format rate, side by side with libvirt's define+dumpxml on
 * `test:///default` through python3-libvirt, on the same document
 * (`vmx2xml/esx-in-the-wild-2.xml`, its type set to `test` so libvirt's test
 * driver accepts it). Prints both rates and the ratio.
 */
import { formatDomainXml, parseDomainXml } from "../mod.ts";

const SECONDS = Number(Deno.env.get("BENCH_SECONDS") ?? "3");
const FILE = new URL("../../shared/conformance/vmx2xml/esx-in-the-wild-2.xml", import.meta.url);
const xml = Deno.readTextFileSync(FILE).replace("<domain type='vmware'>", "<domain type='test'>");

function ours(): number {
  for (let i = 0; i < 500; i++) formatDomainXml(parseDomainXml(xml)); // warm-up
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) formatDomainXml(parseDomainXml(xml));
    n += 100;
  }
  return n / SECONDS;
}

const PY = `
import sys, time, libvirt
xml = sys.stdin.read()
conn = libvirt.open("test:///default")
for _ in range(200):
    conn.defineXML(xml).XMLDesc(0)
n = 0
end = time.perf_counter() + float(sys.argv[1])
start = time.perf_counter()
while time.perf_counter() < end:
    for _ in range(50):
        conn.defineXML(xml).XMLDesc(0)
    n += 50
print(n / (time.perf_counter() - start))
`;

async function libvirt(): Promise<number | undefined> {
  try {
    const p = new Deno.Command("/usr/bin/python3", { args: ["-c", PY, String(SECONDS)], stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(xml));
    await w.close();
    const out = await p.output();
    if (!out.success) {
      console.error(new TextDecoder().decode(out.stderr).trim());
      return undefined;
    }
    return Number(new TextDecoder().decode(out.stdout).trim());
  } catch (e) {
    console.error(`libvirt side unavailable: ${(e as Error).message}`);
    return undefined;
  }
}

/** Runs the benchmark and prints one result line. */
export async function benchXml(): Promise<void> {
  const mine = ours();
  const theirs = await libvirt();
  const fmt = (x: number) => `${Math.round(x).toLocaleString("en-US")}/s`;
  console.log(`xml   virtkit parse+format ${fmt(mine)}   libvirt define+dumpxml ${theirs ? fmt(theirs) : "n/a"}   ratio ${theirs ? (mine / theirs).toFixed(2) + "x" : "n/a"}`);
}

if (import.meta.main) await benchXml();
