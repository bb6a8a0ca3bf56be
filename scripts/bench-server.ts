/**
 * Server benchmark: `GET /v1/domains` on a virtkit server holding 1000
 * defined test-driver domains (bearer token checked on every request),
 * against a bare hono app on `Deno.serve` answering a fixed list of the
 * same 1000 items. A separate load process runs 32 concurrent keep-alive
 * clients for a fixed time against each in turn (warm-up first, then
 * alternating rounds so both see the same machine load), and the medians
 * and their ratio are printed; never asserts. All traffic stays on
 * 127.0.0.1.
 *
 * Usage: deno run -A scripts/bench-server.ts [--seconds N] [--rounds N]
 * @module
 */
import { Hono } from "hono";
import { open } from "../mod.ts";
import { startServer } from "../src/server/mod.ts";

const CLIENTS = 32;
const DOMAINS = 1000;

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  return i === -1 ? fallback : Number(Deno.args[i + 1]);
}

/** The load process: CLIENTS loops fetching `url` for `seconds`; prints requests per second. */
async function load(url: string, seconds: number, token: string): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  const until = performance.now() + seconds * 1000;
  let count = 0;
  let bad = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < until) {
      const res = await fetch(url, { headers });
      const body = await res.arrayBuffer();
      if (res.status === 200 && body.byteLength > 1000) count++;
      else bad++;
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ rps: count / elapsed, bad }));
}

async function runLoad(url: string, seconds: number, token: string): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--load", url, String(seconds), token],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const { rps, bad } = JSON.parse(new TextDecoder().decode(out.stdout));
  if (bad) throw new Error(`${bad} failed requests against ${url}`);
  return rps;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function main(): Promise<void> {
  const seconds = arg("--seconds", 3);
  const rounds = arg("--rounds", 3);
  const dir = await Deno.makeTempDir({ prefix: "virtkit-bench-server-" });
  const token = crypto.randomUUID().replaceAll("-", "");
  await Deno.writeTextFile(`${dir}/tokens`, `bench ${token}\n`, { mode: 0o600 });

  // Our server, with 1000 domains defined on its test-driver connection.
  const conn = await open("test:///default");
  await (await conn.lookupByName("test")).destroy();
  await (await conn.lookupByName("test")).undefine();
  for (let i = 0; i < DOMAINS; i++) {
    const uuid = `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
    await conn.defineXML(
      `<domain type='test'><name>bench-${i}</name><uuid>${uuid}</uuid><memory>65536</memory>` +
        `<os><type>hvm</type></os></domain>`,
    );
  }
  const server = await startServer({
    listen: [{ kind: "tcp", host: "127.0.0.1", port: 0, readonly: false }],
    tokenFile: `${dir}/tokens`,
    defaultUri: "test:///default",
    auditLog: `${dir}/audit.log`,
    activation: false,
  });

  // The bare app: the same 1000 items as a fixed list, serialised per request.
  const fixed = await conn.listAllDomainSummaries();
  const bare = new Hono();
  bare.get("/v1/domains", (c) => c.json(fixed));
  const bareServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, bare.fetch);

  const ours = `http://127.0.0.1:${server.ports[0]}/v1/domains`;
  const theirs = `http://127.0.0.1:${bareServer.addr.port}/v1/domains`;
  try {
    const check = await fetch(ours, { headers: { authorization: `Bearer ${token}` } });
    const list = await check.json();
    if (list.length !== DOMAINS) throw new Error(`expected ${DOMAINS} domains, got ${list.length}`);

    await runLoad(theirs, 1, token);
    await runLoad(ours, 1, token);
    const a: number[] = [];
    const b: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const x = await runLoad(theirs, seconds, token);
      const y = await runLoad(ours, seconds, token);
      b.push(x);
      a.push(y);
      ratios.push(y / x);
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
    console.log(
      `server GET /v1/domains (${DOMAINS} domains, ${CLIENTS} clients, ${rounds}x${seconds}s): ` +
        `virtkit ${median(a).toFixed(0)} req/s [${fmt(a)}], ` +
        `bare hono ${median(b).toFixed(0)} req/s [${fmt(b)}], ` +
        `ratio ${(median(ratios) * 100).toFixed(1)}% of bare (median of per-round ratios)`,
    );
  } finally {
    await bareServer.shutdown();
    await server.shutdown();
    await conn.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const l = Deno.args.indexOf("--load");
if (l !== -1) await load(Deno.args[l + 1], Number(Deno.args[l + 2]), Deno.args[l + 3]);
else await main();
