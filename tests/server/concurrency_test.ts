/**
 * Many clients at once: 32 clients starting and destroying the same
 * domains leave each one consistent (successful starts and destroys
 * alternate, so their counts give the final state, which every call
 * agrees on, and the event stream saw exactly those transitions), and a
 * client that disconnects mid-request changes nothing half-way.
 */
import { assert, assertEquals } from "../assert.ts";
import { authed, call, domainXml, startTestServer, TOKEN } from "./helpers.ts";
import { registerSlowDriver } from "./slow_driver.ts";

registerSlowDriver();

const CLIENTS = 32;
const OPS_PER_CLIENT = 40;
const DOMAINS = 6;

interface Summary {
  name: string;
  id: number;
  state: number;
}

/**
 * Runs 32 clients against the domains of the connection under `prefix` and
 * checks every domain afterwards.
 */
async function race(prefix: string, namePrefix: string, checkXml: boolean): Promise<void> {
  const t = await startTestServer();
  const base = t.base + prefix;
  const abort = new AbortController();
  try {
    const names = Array.from({ length: DOMAINS }, (_, i) => `${namePrefix}${i}`);
    for (const n of names) {
      const r = await call(`${base}/v1/domains`, authed({ method: "POST", body: domainXml(n) }));
      assertEquals(r.status, 201);
    }
    // Count the transitions the server reports as events while the clients run.
    const events = new Map<string, { started: number; stopped: number }>(
      names.map((n) => [n, { started: 0, stopped: 0 }]),
    );
    const res = await fetch(`${base}/v1/events`, authed({ signal: abort.signal }));
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = (await reader.read()).value ?? "";
    const pump = (async () => {
      try {
        for (;;) {
          let end: number;
          while ((end = buffered.indexOf("\n\n")) !== -1) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            const data = block.split("\n").find((l) => l.startsWith("data: "));
            if (!data) continue;
            const e = JSON.parse(data.slice(6));
            const c = events.get(e.domain.name);
            if (c && e.type === "started") c.started++;
            if (c && e.type === "stopped") c.stopped++;
          }
          const { value, done } = await reader.read();
          if (done) return;
          buffered += value;
        }
      } catch {
        // aborted
      }
    })();

    const ok = new Map<string, { start: number; destroy: number }>(
      names.map((n) => [n, { start: 0, destroy: 0 }]),
    );
    let conflicts = 0;
    const client = async (seed: number) => {
      let x = seed * 7919 + 17;
      for (let i = 0; i < OPS_PER_CLIENT; i++) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        const name = names[x % DOMAINS];
        const op = (x >> 8) & 1 ? "start" : "destroy";
        const r = await call(`${base}/v1/domains/${name}/${op}`, authed({ method: "POST" }));
        if (r.status === 200) ok.get(name)![op === "start" ? "start" : "destroy"]++;
        else {
          assertEquals(r.status, 409, r.text);
          conflicts++;
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    assert(conflicts > 0, "the clients did collide");

    const list = (await call(`${base}/v1/domains`, authed())).json<Summary[]>();
    for (const n of names) {
      const { start, destroy } = ok.get(n)!;
      const d = list.find((s) => s.name === n)!;
      const running = start - destroy;
      assert(running === 0 || running === 1, `${n}: ${start} starts and ${destroy} destroys`);
      assertEquals(d.state, running ? 1 : 5, `${n} state`);
      assertEquals(d.id !== -1, running === 1, `${n} id`);
      const state = (await call(`${base}/v1/domains/${n}/state`, authed())).json<
        { state: number }
      >();
      assertEquals(state.state, d.state);
      if (checkXml) {
        const xml = (await call(`${base}/v1/domains/${n}/xml`, authed())).text;
        assertEquals(
          xml.startsWith(`<domain type='test' id='${d.id}'>`),
          running === 1,
          `${n} XML`,
        );
      }
    }
    // Let the event stream catch up, then compare.
    for (
      let i = 0;
      i < 100 && [...events.values()].reduce((a, c) => a + c.started + c.stopped, 0) <
        [...ok.values()].reduce((a, c) => a + c.start + c.destroy, 0);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const n of names) {
      assertEquals(events.get(n), { started: ok.get(n)!.start, stopped: ok.get(n)!.destroy }, n);
    }
    abort.abort();
    await pump;
  } finally {
    await t.close();
  }
}

Deno.test("32 clients starting and destroying test-driver domains leave them consistent", async () => {
  await race("", "race", true);
});

Deno.test("32 clients on a driver that waits between check and change: still consistent", async () => {
  await race("/slowtest/x", "slow", false);
});

/** Sends raw bytes on a new connection to the server and closes it. */
async function sendAndHangUp(port: number, text: string, waitForAnswer: boolean): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(text));
  let answer = "";
  if (waitForAnswer) {
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    answer = new TextDecoder().decode(buf.subarray(0, n ?? 0));
  }
  conn.close();
  return answer;
}

Deno.test("a client that disconnects mid-request changes nothing half-way", async () => {
  const t = await startTestServer();
  try {
    const xml = domainXml("halfway");
    const head = (len: number, path = "/v1/domains") =>
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
      `Content-Type: application/xml\r\nContent-Length: ${len}\r\n\r\n`;
    // The body is cut off: nothing is defined.
    await sendAndHangUp(t.port, head(xml.length) + xml.slice(0, xml.length >> 1), false);
    await new Promise((r) => setTimeout(r, 100));
    let names = (await call(`${t.base}/v1/domains`, authed())).json<Summary[]>().map((d) => d.name);
    assertEquals(names, ["test"]);
    // The whole body arrived, then the client left without reading: the define completes whole.
    await sendAndHangUp(t.port, head(xml.length) + xml, false);
    for (let i = 0; i < 50 && !names.includes("halfway"); i++) {
      await new Promise((r) => setTimeout(r, 20));
      names = (await call(`${t.base}/v1/domains`, authed())).json<Summary[]>().map((d) => d.name);
    }
    assertEquals(names, ["test", "halfway"]);
    // Start requests from clients that hang up at once: each domain ends up running, whole.
    for (let i = 0; i < 8; i++) {
      await sendAndHangUp(t.port, head(0, "/v1/domains/halfway/start"), false);
    }
    await new Promise((r) => setTimeout(r, 200));
    const d = (await call(`${t.base}/v1/domains/halfway`, authed())).json<Summary>();
    assertEquals(d.state, 1);
    assert(d.id > 0);
    const xmlNow = (await call(`${t.base}/v1/domains/halfway/xml`, authed())).text;
    assert(xmlNow.startsWith(`<domain type='test' id='${d.id}'>`));
    // A complete request still gets its answer.
    const answer = await sendAndHangUp(t.port, head(0, "/v1/domains/halfway/destroy"), true);
    assert(answer.startsWith("HTTP/1.1 200"), answer);
  } finally {
    await t.close();
  }
});
