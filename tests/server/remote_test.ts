/**
 * The remote driver: the CLI and `open()` through `DRIVER+http://`,
 * `+unix://` and `+https://` URIs print and return exactly what a local
 * connection does; tokens come from `?tokenfile=` or `VIRTKIT_TOKEN`;
 * server errors come back as the same `VirtError`s.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../assert.ts";
import { open, VIR_DOMAIN_EVENT_STARTED } from "../../src/connect.ts";
import { VirtError } from "../../src/errors.ts";
import { startServer } from "../../src/server/mod.ts";
import { hasCommand, skipUnless } from "../skip.ts";
import { domainXml, startTestServer, TOKEN } from "./helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function cli(uri: string, command: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "-c", uri, command],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env,
  }).output();
  const dec = new TextDecoder();
  return { stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), code: out.code };
}

Deno.test("list --all through test+http:// prints exactly what the local connection prints", async () => {
  const t = await startTestServer();
  try {
    const remote = `test+http://127.0.0.1:${t.port}/default?tokenfile=${t.tokenFile}`;
    const local = await cli("test:///default", "list --all");
    const viaHttp = await cli(remote, "list --all");
    assertEquals(viaHttp.stderr, "");
    assertEquals(viaHttp.stdout, local.stdout);
    assertMatch(viaHttp.stdout, /^ Id {3}Name {3}State\n-+\n 1 {4}test {3}running\n\n$/);

    // The same session of changes, one run each: same output line for line.
    await Deno.writeTextFile(
      `${t.dir}/a.xml`,
      domainXml("alpha", "a1a1a1a1-0000-4000-8000-000000000001"),
    );
    await Deno.writeTextFile(
      `${t.dir}/b.xml`,
      domainXml("beta", "b2b2b2b2-0000-4000-8000-000000000002"),
    );
    const script = `define ${t.dir}/a.xml; define ${t.dir}/b.xml; start beta; suspend beta; ` +
      "list --all; list --all --name; list --inactive; domstate beta --reason; dumpxml alpha; " +
      "net-list --all; nodeinfo; dominfo nosuch; destroy alpha";
    const l = await cli("test:///default", script);
    const r = await cli(remote, script);
    assertEquals(r.stdout, l.stdout);
    assertEquals(r.stderr, l.stderr);
    assertEquals(r.code, l.code);
    assertMatch(r.stderr, /error: failed to get domain 'nosuch'/);
  } finally {
    await t.close();
  }
});

Deno.test("the CLI reports a missing token, and takes VIRTKIT_TOKEN", async () => {
  const t = await startTestServer();
  try {
    const uri = `test+http://127.0.0.1:${t.port}/default`;
    const denied = await cli(uri, "list --all");
    assertEquals(denied.code, 1);
    assertMatch(denied.stderr, /failed to connect to the hypervisor: .*authentication required/);
    const ok = await cli(uri, "list --all", { VIRTKIT_TOKEN: TOKEN });
    assertEquals([ok.code, ok.stderr], [0, ""]);
  } finally {
    await t.close();
  }
});

Deno.test("open() through +http: handles, XML, lifecycle, errors and events", async () => {
  const t = await startTestServer();
  const conn = await open(`test+http://127.0.0.1:${t.port}/default?tokenfile=${t.tokenFile}`);
  const local = await open("test:///default");
  try {
    assertEquals(await conn.getType(), "TEST");
    assertEquals(
      await conn.getURI(),
      `test+http://127.0.0.1:${t.port}/default?tokenfile=${t.tokenFile}`,
    );
    assertEquals(await conn.getInfo(), await local.getInfo());
    assertEquals(await conn.getCapabilities(), await local.getCapabilities());
    const dom = await conn.lookupByName("test");
    assertEquals(await dom.XMLDesc(), await (await local.lookupByName("test")).XMLDesc());
    assertEquals(await dom.OSType(), "linux");
    assertEquals(await dom.securityLabel(), ["libvirt-test", true]);
    assertEquals((await conn.lookupByID(dom.ID())).name(), "test");
    assertEquals((await conn.lookupByUUIDString(dom.UUIDString())).name(), "test");
    await assertRejects(
      () => conn.lookupByName("nosuch"),
      (e: unknown) => e instanceof VirtError && e.code === "no-domain" && /nosuch/.test(e.message),
    );
    await assertRejects(
      () => conn.defineXML("<domain type='test'>\n<name>x</name>"),
      (e: unknown) => e instanceof VirtError && e.code === "xml-error" && /line/.test(e.message),
    );

    const events = conn.domainEvents();
    await new Promise((r) => setTimeout(r, 200)); // let the event stream open
    const vm = await conn.defineXML(domainXml("remote-vm"));
    assertEquals(await vm.isActive(), false);
    await vm.create();
    assert(vm.ID() > 0);
    assertEquals(await vm.state(), [1, 1]);
    await vm.setAutostart(true);
    assertEquals(await vm.autostart(), true);
    assertEquals(await vm.vcpusFlags(), 1);
    assertEquals((await vm.info()).maxMem, 65536);
    assertEquals(
      await vm.memoryStatsList(),
      await (await local.lookupByName("remote-vm")).memoryStatsList(),
    );
    // The server's state is the local process's state here (one test driver per process).
    assertEquals((await local.lookupByName("remote-vm")).name(), "remote-vm");
    await vm.destroy();
    await vm.undefine();
    const seen: string[] = [];
    for await (const e of events) {
      seen.push(`${e.domain.name()} ${e.type} ${e.reason}`);
      if (e.type === "undefined") break;
    }
    assertEquals(seen, [
      "remote-vm defined added",
      "remote-vm started booted",
      "remote-vm stopped destroyed",
      "remote-vm undefined removed",
    ]);
    assertEquals(VIR_DOMAIN_EVENT_STARTED, 2);

    const nets = await conn.listAllNetworks();
    assertEquals(nets.map((n) => n.name()), ["default"]);
    assertEquals(await nets[0].bridgeName(), "virbr0");
    assertEquals(
      await nets[0].XMLDesc(),
      await (await local.networkLookupByName("default")).XMLDesc(),
    );
  } finally {
    await conn.close();
    await local.close();
    await t.close();
  }
});

Deno.test("+unix:// reaches a unix socket given by ?socket=", async () => {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-remote-unix-" });
  const socket = `${dir}/virtkit-sock`;
  const srv = await startServer({
    listen: [{ kind: "unix", path: socket, readonly: false }, {
      kind: "unix",
      path: `${socket}-ro`,
      readonly: true,
    }],
    auditLog: `${dir}/audit.log`,
    activation: false,
  });
  try {
    const conn = await open(`test+unix:///default?socket=${socket}`);
    try {
      assertEquals((await conn.listAllDomains()).map((d) => d.name()), ["test"]);
      await (await conn.lookupByName("test")).suspend();
    } finally {
      await conn.close();
    }
    const ro = await open(`test+unix:///default?socket=${socket}-ro`);
    try {
      await assertRejects(
        async () => await (await ro.lookupByName("test")).resume(),
        (e: unknown) => e instanceof VirtError && e.code === "operation-denied",
      );
    } finally {
      await ro.close();
    }
    const out = await cli(`test+unix:///default?socket=${socket}`, "domstate test");
    assertEquals(out.stdout, "paused\n\n");
  } finally {
    await srv.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote URIs: unsupported transports and unreachable servers are named", async () => {
  await assertRejects(
    () => open("test+ssh://example.invalid/default"),
    (e: unknown) =>
      e instanceof VirtError && e.code === "no-connect" &&
      /over ssh are not available.*test\+http:\/\//.test(e.message),
  );
  await assertRejects(
    () => open("test+unix:///default?socket=/nonexistent/virtkit-sock"),
    (e: unknown) =>
      e instanceof VirtError && e.code === "no-connect" && /unix:\/nonexistent/.test(e.message),
  );
  await assertRejects(
    () => open("test+http://127.0.0.1:1/default?tokenfiel=x"),
    /unknown parameter 'tokenfiel'/,
  );
});

/** Makes a CA, a server certificate for 127.0.0.1 and a client certificate for `alice`. */
async function makePki(dir: string): Promise<void> {
  const run = async (...args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
    }
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await run(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "cacert.pem",
    "-days",
    "2",
    "-subj",
    "/CN=test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
  );
  await Deno.writeTextFile(`${dir}/srv.ext`, "subjectAltName=IP:127.0.0.1\n");
  await Deno.writeTextFile(`${dir}/cli.ext`, "extendedKeyUsage=clientAuth\n");
  await run("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  await run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "cacert.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "srv.ext",
  );
  await run("req", ...ec, "-keyout", "clientkey.pem", "-out", "client.csr", "-subj", "/CN=alice");
  await run(
    "x509",
    "-req",
    "-in",
    "client.csr",
    "-CA",
    "cacert.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "clientcert.pem",
    "-days",
    "2",
    "-extfile",
    "cli.ext",
  );
}

Deno.test({
  name: "+https:// with client certificates: the certificate is required and logged",
  ignore: skipUnless(hasCommand("openssl"), "openssl is not installed"),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "virtkit-remote-tls-" });
    const client = `${dir}/client`;
    try {
      await makePki(dir);
      await Deno.mkdir(client);
      for (const f of ["cacert.pem", "clientcert.pem", "clientkey.pem"]) {
        await Deno.copyFile(`${dir}/${f}`, `${client}/${f}`);
      }
      await Deno.mkdir(`${dir}/nocert`);
      await Deno.copyFile(`${dir}/cacert.pem`, `${dir}/nocert/cacert.pem`);
      const srv = await startServer({
        listen: [{ kind: "tcp", host: "127.0.0.1", port: 0, readonly: false }],
        tls: { cert: `${dir}/server.pem`, key: `${dir}/server.key`, ca: `${dir}/cacert.pem` },
        defaultUri: "test:///default",
        auditLog: `${dir}/audit.log`,
        activation: false,
      });
      try {
        assertMatch(srv.addresses[0], /^tls:127\.0\.0\.1:\d+$/);
        const port = srv.ports[0];
        const conn = await open(`test+https://127.0.0.1:${port}/default?pkipath=${client}`);
        try {
          assertEquals((await conn.listAllDomains()).map((d) => d.name()), ["test"]);
          await (await conn.lookupByName("test")).suspend();
          assertEquals((await conn.defineXML(domainXml("tls-vm"))).name(), "tls-vm");
          await assertRejects(
            () => conn.defineXML("<domain type='test'>\n<name>bad</name>\n"),
            (e: unknown) => e instanceof VirtError && e.code === "xml-error",
          );
        } finally {
          await conn.close();
        }
        await assertRejects(
          () => open(`test+https://127.0.0.1:${port}/default?pkipath=${dir}/nocert`),
          (e: unknown) => e instanceof VirtError && e.code === "no-connect",
        );
        const log = (await Deno.readTextFile(`${dir}/audit.log`)).trim().split("\n").map((l) =>
          JSON.parse(l)
        );
        assertEquals(log.map((e) => [e.who, e.method, e.status]), [
          ["cert:alice", "POST", 200],
          ["cert:alice", "POST", 201],
          ["cert:alice", "POST", 400],
        ]);
        assertEquals(
          log[0].path,
          "/test/default/v1/domains/6695eb01-f6a4-8304-79aa-97f2502e193f/suspend?by=uuid",
        );
      } finally {
        await srv.shutdown();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
