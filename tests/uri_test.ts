/**
 * Connection URIs: every documented form parses, prints back canonically,
 * and a bad driver, transport, port or parameter is named in the error.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "./assert.ts";
import { VirtError } from "../src/errors.ts";
import {
  DEFAULT_URI_ENV,
  defaultUri,
  formatUri,
  parseUri,
  uriMode,
  uriParam,
  uriTransport,
} from "../src/uri.ts";

function rejects(uri: string, pattern: RegExp): void {
  assertThrows(() => parseUri(uri), (e: unknown) => {
    assert(e instanceof VirtError, `expected a VirtError for ${uri}`);
    assertEquals(e.code, "invalid-arg");
    assertMatch(e.message, pattern);
    return true;
  });
}

Deno.test("uri: local forms", () => {
  assertEquals(parseUri("test:///default"), {
    driver: "test",
    path: "/default",
    params: [],
    remote: false,
  });
  assertEquals(parseUri("qemu:///system").path, "/system");
  assertEquals(uriMode(parseUri("qemu:///system")), "system");
  assertEquals(uriMode(parseUri("qemu:///session")), "session");
  assertEquals(uriMode(parseUri("test:///default")), "custom");
  assertEquals(parseUri("test:///tmp/my%20host.xml").path, "/tmp/my host.xml");
  assertEquals(parseUri("test:///etc//virt/host.xml").path, "/etc/virt/host.xml");
});

Deno.test("uri: /embed needs an absolute root", () => {
  const u = parseUri("lxc:///embed?root=/srv/c1");
  assertEquals(uriMode(u), "embed");
  assertEquals(uriParam(u, "root"), "/srv/c1");
  rejects("qemu:///embed", /missing parameter 'root'/);
  rejects("qemu:///embed?root=relative/dir", /'root' must be an absolute path/);
});

Deno.test("uri: remote forms", () => {
  const u = parseUri("qemu+ssh://root@example.com:2222/system?keyfile=/root/.ssh/id&no_tty=1");
  assertEquals(u, {
    driver: "qemu",
    transport: "ssh",
    user: "root",
    host: "example.com",
    port: 2222,
    path: "/system",
    params: [["keyfile", "/root/.ssh/id"], ["no_tty", "1"]],
    remote: true,
  });
  // A host without a transport means TLS.
  assertEquals(uriTransport(parseUri("xen://towada/system")), "tls");
  assertEquals(parseUri("xen://towada/system").remote, true);
  assertEquals(uriTransport(parseUri("test:///default")), undefined);
  assertEquals(parseUri("test+tcp://localhost:5000/default").port, 5000);
  assertEquals(parseUri("qemu+unix:///system?socket=/opt/libvirt/sock").remote, true);
  assertEquals(parseUri("qemu+tls://[fe80::1]:16514/system").host, "fe80::1");
  assertEquals(
    uriParam(parseUri("qemu+libssh2://u@h/system?known_hosts_verify=auto"), "known_hosts_verify"),
    "auto",
  );
});

Deno.test("uri: canonical form", () => {
  assertEquals(formatUri(parseUri("TEST:///default")), "test:///default");
  assertEquals(
    formatUri(parseUri("qemu+ssh://root@example.com:2222/system?keyfile=/k")),
    "qemu+ssh://root@example.com:2222/system?keyfile=/k",
  );
  assertEquals(formatUri(parseUri("xen://towada/system")), "xen://towada/system");
  assertEquals(formatUri(parseUri("qemu+tls://[fe80::1]/system")), "qemu+tls://[fe80::1]/system");
  assertEquals(formatUri(parseUri("test:///tmp/my%20host.xml")), "test:///tmp/my%20host.xml");
});

Deno.test("uri: errors name what is wrong", () => {
  rejects("not a uri", /expected driver\[\+transport\]:\/\//);
  rejects("test:default", /expected driver/);
  rejects("test+frob:///default", /unknown transport 'frob', expected one of: unix, ssh/);
  rejects("qemu+ssh://h:99999/system", /bad port '99999'/);
  rejects("qemu+ssh://h:x/system", /bad port 'x'/);
  rejects(
    "test:///default?foo=bar",
    /unknown parameter 'foo' for a local \/default URI; it takes no parameters/,
  );
  rejects(
    "qemu+ssh://h/system?tls_priority=x",
    /unknown parameter 'tls_priority' for the ssh transport; expected one of: .*keyfile/,
  );
  rejects("xen://towada/system?socket=/s", /unknown parameter 'socket' for the tls transport/);
  rejects(
    "qemu+ssh://h/system?mode=fast",
    /bad value 'fast' for parameter 'mode', expected one of: auto, direct, legacy/,
  );
  rejects("qemu+ssh://h/system?keyfile=a&keyfile=b", /parameter 'keyfile' given twice/);
  rejects("test://user@/default", /a user name or port needs a host/);
  rejects("test:///a%zz", /bad %-escape in the path/);
});

Deno.test("uri: VIRTKIT_DEFAULT_URI", () => {
  const saved = Deno.env.get(DEFAULT_URI_ENV);
  try {
    Deno.env.set(DEFAULT_URI_ENV, "test:///default");
    assertEquals(defaultUri(), "test:///default");
    Deno.env.set(DEFAULT_URI_ENV, "");
    assertEquals(defaultUri(), undefined);
    Deno.env.delete(DEFAULT_URI_ENV);
    assertEquals(defaultUri(), undefined);
  } finally {
    if (saved === undefined) Deno.env.delete(DEFAULT_URI_ENV);
    else Deno.env.set(DEFAULT_URI_ENV, saved);
  }
});
