/**
 * The systemd units in `fixtures/systemd`: they pass `systemd-analyze
 * verify`, both sockets start `virtkit.service`, and the read-only socket's
 * name is one the server treats as read-only.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { activatedSockets } from "../../src/server/mod.ts";
import { hasCommand, skipUnless } from "../skip.ts";

const DIR = new URL("../../fixtures/systemd/", import.meta.url).pathname;

Deno.test("the socket units point at the service with the right modes", async () => {
  const rw = await Deno.readTextFile(`${DIR}/virtkit.socket`);
  const ro = await Deno.readTextFile(`${DIR}/virtkit-ro.socket`);
  const svc = await Deno.readTextFile(`${DIR}/virtkit.service`);
  assertMatch(rw, /^ListenStream=\/run\/virtkit\/virtkit-sock$/m);
  assertMatch(rw, /^SocketMode=0600$/m);
  assertMatch(ro, /^ListenStream=\/run\/virtkit\/virtkit-sock-ro$/m);
  assertMatch(ro, /^SocketMode=0666$/m);
  for (const s of [rw, ro]) assertMatch(s, /^Service=virtkit\.service$/m);
  assertMatch(svc, /^ExecStart=\S+ serve$/m);
  assertMatch(svc, /^Requires=virtkit\.socket$/m);
});

Deno.test("sockets named after the units: the -ro one is read-only", () => {
  const env = {
    LISTEN_PID: String(Deno.pid),
    LISTEN_FDS: "2",
    LISTEN_FDNAMES: "virtkit.socket:virtkit-ro.socket",
  };
  for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
  const got = activatedSockets();
  assertEquals(got, [
    { fd: 3, name: "virtkit.socket", readonly: false },
    { fd: 4, name: "virtkit-ro.socket", readonly: true },
  ]);
  assert(Deno.env.get("LISTEN_FDS") === undefined, "the variables are consumed");
  Deno.env.set("LISTEN_PID", String(Deno.pid + 1));
  Deno.env.set("LISTEN_FDS", "1");
  assertEquals(activatedSockets(), [], "variables meant for another process are ignored");
  Deno.env.delete("LISTEN_PID");
  Deno.env.delete("LISTEN_FDS");
});

Deno.test({
  name: "the units pass systemd-analyze verify",
  ignore: skipUnless(hasCommand("systemd-analyze"), "systemd-analyze is not installed"),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "virtkit-units-" });
    try {
      for (const f of ["virtkit.socket", "virtkit-ro.socket", "virtkit.service"]) {
        // The binary is not installed here: point ExecStart at one that exists.
        const text = (await Deno.readTextFile(`${DIR}/${f}`)).replace(
          /^ExecStart=\S+/m,
          "ExecStart=/bin/true",
        );
        await Deno.writeTextFile(`${dir}/${f}`, text);
      }
      const out = await new Deno.Command("systemd-analyze", {
        args: [
          "verify",
          "--man=no",
          `${dir}/virtkit.socket`,
          `${dir}/virtkit-ro.socket`,
          `${dir}/virtkit.service`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
      assertEquals([out.code, text], [0, ""]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
