/**
 * Where each connection mode keeps a driver's state, and the driver names
 * and embed roots that are refused.
 */
import { assertEquals, assertThrows } from "../assert.ts";
import { stateLocation, statePaths } from "../../src/state/paths.ts";
import { parseUri } from "../../src/uri.ts";
import { VirtError } from "../../src/errors.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

function invalid(pattern: RegExp) {
  return (e: unknown) =>
    e instanceof VirtError && e.code === "invalid-arg" && pattern.test(e.message);
}

Deno.test("paths: system mode uses /etc, /run and /var/cache", () => {
  assertEquals(statePaths("qemu", { mode: "system" }), {
    driver: "qemu",
    configDir: "/etc/virtkit/qemu",
    statusDir: "/run/virtkit/qemu",
    autostartDir: "/etc/virtkit/qemu/autostart",
    cacheDir: "/var/cache/virtkit/qemu",
  });
});

Deno.test("paths: session mode follows the XDG variables", () => {
  const env = envOf({
    HOME: "/home/ann",
    XDG_CONFIG_HOME: "/home/ann/conf",
    XDG_RUNTIME_DIR: "/run/user/1000",
    XDG_CACHE_HOME: "/var/tmp/ann-cache",
  });
  assertEquals(statePaths("lxc", { mode: "session", env }), {
    driver: "lxc",
    configDir: "/home/ann/conf/virtkit/lxc",
    statusDir: "/run/user/1000/virtkit/lxc",
    autostartDir: "/home/ann/conf/virtkit/lxc/autostart",
    cacheDir: "/var/tmp/ann-cache/virtkit/lxc/cache",
  });
});

Deno.test("paths: session mode falls back to HOME; relative XDG values are ignored", () => {
  const env = envOf({ HOME: "/home/bob/", XDG_CONFIG_HOME: "relative/conf", XDG_RUNTIME_DIR: "" });
  assertEquals(statePaths("network", { mode: "session", env }), {
    driver: "network",
    configDir: "/home/bob/.config/virtkit/network",
    statusDir: "/home/bob/.cache/virtkit/network/run",
    autostartDir: "/home/bob/.config/virtkit/network/autostart",
    cacheDir: "/home/bob/.cache/virtkit/network/cache",
  });
});

Deno.test("paths: session mode without HOME or XDG folders is an error", () => {
  assertThrows(
    () => statePaths("qemu", { mode: "session", env: envOf({}) }),
    (e: unknown) => e instanceof VirtError && e.code === "system-error" && /HOME/.test(e.message),
  );
});

Deno.test("paths: embed mode puts everything under the root, normalised", () => {
  assertEquals(statePaths("secret", { mode: "embed", root: "/srv//vm/./one/" }), {
    driver: "secret",
    configDir: "/srv/vm/one/etc/secret",
    statusDir: "/srv/vm/one/run/secret",
    autostartDir: "/srv/vm/one/etc/secret/autostart",
    cacheDir: "/srv/vm/one/cache/secret",
  });
  assertEquals(statePaths("qemu", { mode: "embed", root: "/" }).configDir, "/etc/qemu");
});

Deno.test("paths: bad embed roots are refused", () => {
  assertThrows(
    () => statePaths("qemu", { mode: "embed", root: "srv/vm" }),
    invalid(/'srv\/vm' must be an absolute path/),
  );
  assertThrows(
    () => statePaths("qemu", { mode: "embed", root: "/srv/../etc" }),
    invalid(/'\/srv\/\.\.\/etc' must not contain '\.\.'/),
  );
  assertThrows(() => statePaths("qemu", { mode: "embed", root: "/srv/a\0b" }), invalid(/NUL/));
  assertThrows(() => statePaths("qemu", { mode: "embed" }), invalid(/needs a root/));
  assertThrows(
    () => statePaths("qemu", { mode: "system", root: "/srv" }),
    invalid(/only allowed in embed mode/),
  );
});

Deno.test("paths: driver names must match the fixed pattern", () => {
  for (const bad of ["", "Qemu", "../qemu", "qemu/x", "1qemu", "q".repeat(33), "qe mu"]) {
    assertThrows(() => statePaths(bad, { mode: "system" }), invalid(/invalid driver name/), bad);
  }
  assertEquals(statePaths("cloud-hv_2", { mode: "system" }).configDir, "/etc/virtkit/cloud-hv_2");
});

Deno.test("paths: local URIs map to state locations", () => {
  assertEquals(stateLocation(parseUri("qemu:///system")), { mode: "system" });
  assertEquals(stateLocation(parseUri("qemu:///session")), { mode: "session" });
  assertEquals(stateLocation(parseUri("lxc:///embed?root=/srv/vm")), {
    mode: "embed",
    root: "/srv/vm",
  });
  assertThrows(
    () => stateLocation(parseUri("test:///default")),
    invalid(/'\/default' has no local state/),
  );
  assertThrows(() => stateLocation(parseUri("qemu+ssh://host/system")), invalid(/no local state/));
});
