/**
 * The HTTP API served in-process: authentication (401), the read-only
 * socket (403), malformed XML (400 naming the line), body limits (413),
 * lifecycle routes and their errors, XML responses, the OpenAPI document,
 * server-sent events, the audit log, and the listener security rules.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "../assert.ts";
import { VirtError } from "../../src/errors.ts";
import {
  checkListenerSecurity,
  parseListen,
  parseTokens,
  ROUTES,
  startServer,
} from "../../src/server/mod.ts";
import { authed, call, domainXml, startTestServer, TOKEN } from "./helpers.ts";

Deno.test("requests without a valid bearer token get 401", async () => {
  const t = await startTestServer();
  try {
    const none = await call(`${t.base}/v1/domains`);
    assertEquals(none.status, 401);
    assertEquals(none.json<{ code: string }>().code, "auth-failed");
    const wrong = await call(`${t.base}/v1/domains/test/start`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN.replace("0", "1")}` },
    });
    assertEquals(wrong.status, 401);
    const res = await fetch(`${t.base}/v1/domains`);
    assertEquals(res.headers.get("www-authenticate"), 'Bearer realm="virtkit"');
    await res.body?.cancel();
    const ok = await call(`${t.base}/v1/domains`, authed());
    assertEquals(ok.status, 200);
    assertEquals(ok.json<{ name: string }[]>().map((d) => d.name), ["test"]);
  } finally {
    await t.close();
  }
});

Deno.test("the read-only socket serves reads and refuses start with 403", async () => {
  const t = await startTestServer();
  const ro = `${t.dir}/ro.sock`;
  const rw = `${t.dir}/rw.sock`;
  const srv = await startServer({
    listen: [
      { kind: "unix", path: rw, readonly: false },
      { kind: "unix", path: ro, readonly: true },
    ],
    defaultUri: "test:///default",
    auditLog: `${t.dir}/unix-audit.log`,
    activation: false,
  });
  const roClient = Deno.createHttpClient({ proxy: { transport: "unix", path: ro } });
  const rwClient = Deno.createHttpClient({ proxy: { transport: "unix", path: rw } });
  try {
    assertEquals(Deno.statSync(rw).mode! & 0o777, 0o600);
    assertEquals(Deno.statSync(ro).mode! & 0o777, 0o666);
    await call("http://localhost/v1/domains", {
      client: rwClient,
      method: "POST",
      body: domainXml("ro-vm"),
    });
    const list = await call("http://localhost/v1/domains", { client: roClient });
    assertEquals(list.status, 200);
    const start = await call("http://localhost/v1/domains/ro-vm/start", {
      client: roClient,
      method: "POST",
    });
    assertEquals(start.status, 403);
    assertEquals(start.json<{ code: string }>().code, "operation-denied");
    const secure = await call("http://localhost/v1/domains/ro-vm/xml?secure=true", {
      client: roClient,
    });
    assertEquals(secure.status, 403);
    const state = await call("http://localhost/v1/domains/ro-vm/state", { client: rwClient });
    assertEquals(state.json(), { state: 5, reason: 0 });
    const started = await call("http://localhost/v1/domains/ro-vm/start", {
      client: rwClient,
      method: "POST",
    });
    assertEquals(started.status, 200);
  } finally {
    roClient.close();
    rwClient.close();
    await srv.shutdown();
    await t.close();
  }
  assertThrows(() => Deno.statSync(ro));
});

Deno.test("POST /v1/domains with malformed XML gets 400 and an error naming the line", async () => {
  const t = await startTestServer();
  try {
    const bad = "<domain type='test'>\n  <name>broken</name>\n  <memory>1024\n</domain>\n";
    const r = await call(`${t.base}/v1/domains`, authed({ method: "POST", body: bad }));
    assertEquals(r.status, 400);
    assertEquals(r.type, "application/json");
    const err = r.json<{ code: string; domain: string; message: string }>();
    assertEquals(err.code, "xml-error");
    assertMatch(err.message, /line 4/);
    const detail = await call(
      `${t.base}/v1/domains`,
      authed({ method: "POST", body: domainXml("x").replace("65536", "lots") }),
    );
    assertEquals(detail.status, 400);
    assertMatch(detail.json<{ message: string }>().message, /<memory> at line 3/);
    const names = (await call(`${t.base}/v1/domains`, authed())).json<{ name: string }[]>();
    assertEquals(names.map((d) => d.name), ["test"]);
  } finally {
    await t.close();
  }
});

Deno.test("lifecycle routes: define, start, XML, conflicts, lookups, undefine", async () => {
  const t = await startTestServer();
  try {
    const post = (path: string) => call(`${t.base}${path}`, authed({ method: "POST" }));
    const def = await call(
      `${t.base}/v1/domains`,
      authed({ method: "POST", body: domainXml("web") }),
    );
    assertEquals(def.status, 201);
    const ref = def.json<{ name: string; uuid: string; id: number }>();
    assertEquals([ref.name, ref.id], ["web", -1]);
    const started = await post("/v1/domains/web/start");
    assertEquals(started.status, 200);
    assert(started.json<{ id: number }>().id > 0);
    const again = await post("/v1/domains/web/start");
    assertEquals(again.status, 409);
    assertEquals(again.json<{ code: string }>().code, "operation-invalid");
    const xml = await call(`${t.base}/v1/domains/${ref.uuid}/xml`, authed());
    assertEquals(xml.type, "application/xml; charset=utf-8");
    assertMatch(xml.text, /^<domain type='test' id='\d+'>\n {2}<name>web<\/name>/);
    const inactive = await call(`${t.base}/v1/domains/web/xml?inactive=true`, authed());
    assertMatch(inactive.text, /^<domain type='test'>/);
    const byId = await call(
      `${t.base}/v1/domains/${started.json<{ id: number }>().id}?by=id`,
      authed(),
    );
    assertEquals(byId.json<{ name: string }>().name, "web");
    const info = await call(`${t.base}/v1/domains/web/info`, authed());
    assertEquals(info.json<{ maxMem: number; nrVirtCpu: number }>().maxMem, 65536);
    const auto = await call(
      `${t.base}/v1/domains/web/autostart`,
      authed({ method: "PUT", body: JSON.stringify({ autostart: true }) }),
    );
    assertEquals(auto.json(), { autostart: true });
    const badAuto = await call(
      `${t.base}/v1/domains/web/autostart`,
      authed({ method: "PUT", body: "{}" }),
    );
    assertEquals(badAuto.status, 400);
    assertEquals((await post("/v1/domains/web/destroy")).json<{ id: number }>().id, -1);
    const gone = await call(`${t.base}/v1/domains/web`, authed({ method: "DELETE" }));
    assertEquals(gone.status, 200);
    const missing = await call(`${t.base}/v1/domains/web`, authed());
    assertEquals(missing.status, 404);
    assertEquals(missing.json<{ code: string }>().code, "no-domain");
    assertEquals((await call(`${t.base}/v1/domains?flags=x`, authed())).status, 400);
    assertEquals((await call(`${t.base}/v1/domains/web?by=id`, authed())).status, 400);
    assertEquals((await call(`${t.base}/v1/nothing`, authed())).status, 404);
    const net = await call(`${t.base}/v1/networks/default/bridge`, authed());
    assertEquals(net.json(), { bridge: "virbr0" });
  } finally {
    await t.close();
  }
});

Deno.test("a connection is chosen by path prefix or header; remote URIs are refused", async () => {
  const t = await startTestServer({ defaultUri: undefined });
  try {
    const viaPrefix = await call(`${t.base}/test/default/v1/connection`, authed());
    assertEquals(viaPrefix.json<{ uri: string; type: string }>().uri, "test:///default");
    const viaHeader = await call(
      `${t.base}/v1/connection`,
      authed({ headers: { "x-virtkit-uri": "test:///default" } }),
    );
    assertEquals(viaHeader.json<{ type: string }>().type, "TEST");
    const clash = await call(
      `${t.base}/test/default/v1/connection`,
      authed({ headers: { "x-virtkit-uri": "test:///other.xml" } }),
    );
    assertEquals(clash.status, 400);
    const relay = await call(
      `${t.base}/v1/connection`,
      authed({ headers: { "x-virtkit-uri": "test+http://127.0.0.1:1/default" } }),
    );
    assertEquals(relay.status, 400);
    const unknown = await call(`${t.base}/bogus/x/v1/domains`, authed());
    assertEquals(unknown.json<{ code: string }>().code, "no-connect");
  } finally {
    await t.close();
  }
});

Deno.test("request bodies over the limit get 413 and change nothing", async () => {
  const t = await startTestServer({ maxBody: 1024 });
  try {
    const big = domainXml("big").replace(
      "<vcpu>",
      `<description>${"x".repeat(2000)}</description>\n  <vcpu>`,
    );
    const r = await call(`${t.base}/v1/domains`, authed({ method: "POST", body: big }));
    assertEquals(r.status, 413);
    // A streamed body without a length is cut off at the limit too.
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const s = await call(`${t.base}/v1/domains`, authed({ method: "POST", body: stream }));
    assertEquals(s.status, 413);
    const names = (await call(`${t.base}/v1/domains`, authed())).json<{ name: string }[]>();
    assertEquals(names.map((d) => d.name), ["test"]);
  } finally {
    await t.close();
  }
});

Deno.test("the audit log names the token, the listener and the outcome", async () => {
  const t = await startTestServer();
  let log: string;
  try {
    await call(`${t.base}/v1/domains/test/suspend`, authed({ method: "POST" }));
    await call(`${t.base}/v1/domains/test/resume`, { method: "POST" });
    await call(`${t.base}/v1/domains`, authed());
    log = await Deno.readTextFile(t.auditLog);
  } finally {
    await t.close();
  }
  const entries = log.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(entries.length, 2);
  assertEquals(entries[0].who, "token:tester");
  assertEquals(entries[0].via, `tcp:127.0.0.1:${t.port}`);
  assertEquals([entries[0].method, entries[0].path, entries[0].status], [
    "POST",
    "/v1/domains/test/suspend",
    200,
  ]);
  assertMatch(entries[0].from, /^127\.0\.0\.1:\d+$/);
  assertEquals([entries[1].who, entries[1].status], ["anonymous", 401]);
});

Deno.test("lifecycle events arrive as server-sent events", async () => {
  const t = await startTestServer();
  const abort = new AbortController();
  try {
    const res = await fetch(`${t.base}/v1/events`, authed({ signal: abort.signal }));
    assertEquals(res.headers.get("content-type"), "text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = (await reader.read()).value ?? "";
    assertMatch(text, /^: subscribed/);
    await call(`${t.base}/v1/domains/test/destroy`, authed({ method: "POST" }));
    while (!text.includes("destroyed")) text += (await reader.read()).value ?? "";
    const data = text.split("\n").find((l) => l.startsWith("data: "))!;
    const e = JSON.parse(data.slice(6));
    assertEquals([e.domain.name, e.type, e.reason, e.event, e.detail], [
      "test",
      "stopped",
      "destroyed",
      5,
      1,
    ]);
    assertMatch(text, /event: lifecycle\n/);
    abort.abort();
    await reader.cancel().catch(() => {});
  } finally {
    await t.close();
  }
});

Deno.test("the OpenAPI document lists every route", async () => {
  const t = await startTestServer();
  try {
    const doc = (await call(`${t.base}/v1/openapi.json`, authed())).json<{
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>();
    assertEquals(doc.openapi, "3.1.0");
    for (const r of ROUTES) {
      const path = r.path.replace(/:(\w+)/g, "{$1}");
      assert(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${path} is documented`);
    }
    assert(doc.paths["/v1/domains"].post.responses["413"]);
    assert(doc.paths["/v1/domains/{name}/start"].post.responses["409"]);
  } finally {
    await t.close();
  }
});

Deno.test("a TCP listener needs authentication; --insecure only on loopback", async () => {
  const tcp = (host: string) => [{ kind: "tcp" as const, host, port: 0, readonly: false }];
  const none = { tokens: false, tls: false, clientCa: false, insecure: false };
  assertThrows(() => checkListenerSecurity(tcp("127.0.0.1"), none), /without authentication/);
  assertThrows(
    () => checkListenerSecurity(tcp("0.0.0.0"), { ...none, insecure: true }),
    /only allowed on loopback/,
  );
  assertThrows(() => checkListenerSecurity(tcp("0.0.0.0"), { ...none, tls: true }), /--tls-ca/);
  checkListenerSecurity(tcp("127.0.0.1"), { ...none, insecure: true });
  checkListenerSecurity(tcp("::1"), { ...none, insecure: true });
  checkListenerSecurity(tcp("0.0.0.0"), { ...none, tokens: true });
  checkListenerSecurity(tcp("0.0.0.0"), { ...none, tls: true, clientCa: true });
  checkListenerSecurity([{ kind: "unix", path: "/x", readonly: false }], none);
  await assertRejects(
    () => startServer({ listen: tcp("127.0.0.1"), activation: false }),
    (e: unknown) => e instanceof VirtError && e.code === "operation-denied",
  );
  assertEquals(parseListen("tcp:[::1]:16509"), { kind: "tcp", host: "::1", port: 16509 });
  assertEquals(parseListen("unix:/run/x.sock"), { kind: "unix", path: "/run/x.sock" });
  assertThrows(() => parseListen("tcp:1.2.3.4"), /expected tcp:HOST:PORT/);
  assertThrows(() => parseListen("unix:rel.sock"), /must be absolute/);
  assertThrows(() => parseListen("udp:x"), /expected unix:PATH or tcp:HOST:PORT/);
});

Deno.test("token files: names, short tokens and open permissions are refused", async () => {
  assertEquals(parseTokens(`# c\n\nalice ${TOKEN}\n${TOKEN}x\n`, "f").map((t) => t.name), [
    "alice",
    "token@4",
  ]);
  assertThrows(() => parseTokens("short\n", "f"), /line 1: the token is shorter than 16/);
  assertThrows(() => parseTokens("a b c\n", "f"), /line 1: expected TOKEN or NAME TOKEN/);
  assertThrows(() => parseTokens("# none\n", "f"), /holds no token/);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/t`, TOKEN, { mode: 0o644 });
    await Deno.chmod(`${dir}/t`, 0o644);
    await assertRejects(
      () => startServer({ listen: [], tokenFile: `${dir}/t`, activation: false }),
      /other users may access it \(mode 644\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
