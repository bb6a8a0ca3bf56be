/**
 * The object store in embed mode under a temp folder: definitions, live
 * status, autostart links, listing, and the names it refuses.
 */
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { checkObjectName, ObjectStore } from "../../src/state/store.ts";
import { statePaths } from "../../src/state/paths.ts";
import { VirtError } from "../../src/errors.ts";

async function withStore(fn: (store: ObjectStore, root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir();
  try {
    await fn(
      new ObjectStore(statePaths("qemu", { mode: "embed", root }), "domains", { domain: "qemu" }),
      root,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const XML = "<domain type='kvm'>\n  <name>web</name>\n</domain>\n";

Deno.test("store: definitions round trip in ROOT/etc/DRIVER with private modes", () =>
  withStore(async (store, root) => {
    assertEquals(await store.list(), []);
    assertEquals(await store.read("web"), undefined);
    await store.write("web", XML);
    await store.write("db", "<domain/>");
    await store.write("élan vital", "<domain/>");
    assertEquals(await store.read("web"), XML);
    assertEquals(await Deno.readTextFile(`${root}/etc/qemu/web.xml`), XML);
    assertEquals((await Deno.stat(`${root}/etc/qemu/web.xml`)).mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(`${root}/etc/qemu`)).mode! & 0o777, 0o700);
    assertEquals((await Deno.stat(`${root}/etc`)).mode! & 0o777, 0o700);
    assertEquals(await store.list(), ["db", "web", "élan vital"]);
    await store.write("web", "<domain>v2</domain>");
    assertEquals(await store.read("web"), "<domain>v2</domain>");
    assertEquals(await store.remove("web"), true);
    assertEquals(await store.remove("web"), false);
    assertEquals(await store.read("web"), undefined);
    assertEquals(await store.list(), ["db", "élan vital"]);
  }));

Deno.test("store: listing skips temp files, other files and folders", () =>
  withStore(async (store, root) => {
    await store.write("web", XML);
    const dir = `${root}/etc/qemu`;
    await Deno.writeTextFile(`${dir}/.web.xml.0123abcd.tmp`, "partial");
    await Deno.writeTextFile(`${dir}/notes.txt`, "x");
    await Deno.writeTextFile(`${dir}/.xml`, "x");
    await Deno.mkdir(`${dir}/dir.xml`);
    assertEquals(await store.list(), ["web"]);
  }));

Deno.test("store: live status round trip in ROOT/run/DRIVER", () =>
  withStore(async (store, root) => {
    assertEquals(await store.readStatus("web"), undefined);
    assertEquals(await store.listStatus(), []);
    const status = "<domstatus state='running' pid='4242'>\n" + XML + "</domstatus>\n";
    await store.writeStatus("web", status);
    assertEquals(store.statusPath("web"), `${root}/run/qemu/web.xml`);
    assertEquals(await Deno.readTextFile(`${root}/run/qemu/web.xml`), status);
    assertEquals(await store.readStatus("web"), status);
    assertEquals(await store.listStatus(), ["web"]);
    assertEquals(await store.list(), [], "a transient object has status but no definition");
    assertEquals(store.statusFile("web", "pid"), `${root}/run/qemu/web.pid`);
    assertEquals(await store.removeStatus("web"), true);
    assertEquals(await store.removeStatus("web"), false);
    assertEquals(await store.readStatus("web"), undefined);
  }));

Deno.test("store: autostart is a symlink to the definition", () =>
  withStore(async (store, root) => {
    await assertRejects(
      store.setAutostart("web", true),
      (e: unknown) =>
        e instanceof VirtError && e.code === "operation-invalid" && e.domain === "qemu" &&
        /domain 'web'/.test(e.message),
    );
    await store.write("web", XML);
    await store.write("db", XML);
    assertEquals(await store.autostart("web"), false);
    await store.setAutostart("web", true);
    await store.setAutostart("web", true);
    const link = `${root}/etc/qemu/autostart/web.xml`;
    assert((await Deno.lstat(link)).isSymlink);
    assertEquals(await Deno.readLink(link), `${root}/etc/qemu/web.xml`);
    assertEquals(await Deno.readTextFile(link), XML);
    assertEquals(await store.autostart("web"), true);
    assertEquals(await store.autostartNames(), ["web"]);
    await store.setAutostart("db", true);
    assertEquals(await store.autostartNames(), ["db", "web"]);
    await store.setAutostart("db", false);
    await store.setAutostart("db", false);
    assertEquals(await store.autostart("db"), false);
    assertEquals(await store.autostartNames(), ["web"]);
    await store.remove("web");
    assertEquals(await store.autostartNames(), []);
    assertEquals(await store.autostart("web"), false);
  }));

Deno.test("store: a stray link pointing elsewhere is replaced", () =>
  withStore(async (store, root) => {
    await store.write("web", XML);
    await Deno.mkdir(`${root}/etc/qemu/autostart`);
    await Deno.symlink("/nowhere", `${root}/etc/qemu/autostart/web.xml`);
    await store.setAutostart("web", true);
    assertEquals(
      await Deno.readLink(`${root}/etc/qemu/autostart/web.xml`),
      `${root}/etc/qemu/web.xml`,
    );
  }));

Deno.test("store: a nested kind lives in CONFIG/KIND and STATUS/KIND", async () => {
  const root = await Deno.makeTempDir();
  try {
    const paths = statePaths("network", { mode: "embed", root });
    const ports = new ObjectStore(paths, "ports", { nested: true });
    const nets = new ObjectStore(paths, "networks");
    await ports.write("p1", "<networkport/>");
    await ports.writeStatus("p1", "<networkport/>");
    await ports.setAutostart("p1", true);
    await nets.write("default", "<network/>");
    assertEquals(ports.configPath("p1"), `${root}/etc/network/ports/p1.xml`);
    assertEquals(ports.statusPath("p1"), `${root}/run/network/ports/p1.xml`);
    assertEquals(ports.autostartPath("p1"), `${root}/etc/network/ports/autostart/p1.xml`);
    assertEquals(await nets.list(), ["default"]);
    assertEquals(await ports.list(), ["p1"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("store: invalid object names are refused by name", () =>
  withStore(async (store) => {
    const long = "x".repeat(201);
    const cases: [string, RegExp][] = [
      ["", /invalid domain name '': it is empty/],
      [".", /invalid domain name '\.': '\.' and '\.\.' are not allowed/],
      ["..", /invalid domain name '\.\.'/],
      ["a/b", /invalid domain name 'a\/b': it must not contain '\/'/],
      ["../../etc/passwd", /invalid domain name '\.\.\/\.\.\/etc\/passwd'/],
      ["a\0b", /invalid domain name 'a\\x00b': it must not contain a NUL/],
      ["a\nb", /invalid domain name 'a\\x0ab': it must not contain control characters/],
      [long, /invalid domain name 'x{64}\.\.\.': it is longer than 200 bytes/],
      ["é".repeat(101), /longer than 200 bytes/],
    ];
    for (const [name, pattern] of cases) {
      const bad = (e: unknown) =>
        e instanceof VirtError && e.code === "invalid-arg" && e.domain === "qemu" &&
        pattern.test(e.message);
      await assertRejects(store.write(name, XML), bad, JSON.stringify(name));
      await assertRejects(store.read(name), bad);
      await assertRejects(store.remove(name), bad);
      await assertRejects(store.writeStatus(name, XML), bad);
      await assertRejects(store.setAutostart(name, false), bad);
      await assertRejects(store.withLock(name, () => {}), bad);
      assertThrows(() => store.configPath(name), bad);
    }
    assertEquals(await store.list(), []);
    checkObjectName("x".repeat(200));
    assertThrows(() => store.statusFile("web", "../x"), /invalid status file suffix/);
    assertThrows(
      () => new ObjectStore(statePaths("qemu", { mode: "system" }), "autostart"),
      /invalid object kind 'autostart'/,
    );
  }));

Deno.test("store: withLock serialises on STATUS/NAME.lock", () =>
  withStore(async (store, root) => {
    const order: string[] = [];
    const slow = store.withLock("web", async () => {
      order.push("a-in");
      await new Promise((r) => setTimeout(r, 30));
      order.push("a-out");
    });
    const fast = store.withLock("web", () => {
      order.push("b");
    });
    await Promise.all([slow, fast]);
    assertEquals(order, ["a-in", "a-out", "b"]);
    assertEquals((await Deno.stat(`${root}/run/qemu/web.lock`)).mode! & 0o777, 0o600);
  }));
