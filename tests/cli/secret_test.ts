/**
 * The secret commands end to end, through `main.ts` on
 * `secret:///embed?root=TMP`: define, list, dumpxml, the three ways of
 * setting a value, get-value, the refusals (private value, malformed UUID,
 * duplicate usage, a value over 1 MiB), ephemeral secrets, and the same
 * secrets seen through a QEMU connection to the same root.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { cli } from "./run_cli.ts";

const UUID = "6b8cbd4e-6ad2-4a6e-9c55-46e1b2b0c1d7";
const PRIVATE = "11111111-2222-3333-4444-555555555555";

const CEPH_XML = `<secret ephemeral='no' private='no'>
  <uuid>${UUID}</uuid>
  <description>ceph key</description>
  <usage type='ceph'>
    <name>client.admin</name>
  </usage>
</secret>
`;

const PRIVATE_XML = `<secret ephemeral='no' private='yes'>
  <uuid>${PRIVATE}</uuid>
  <usage type='iscsi'>
    <target>iqn.2013-07.com.example:storage</target>
  </usage>
</secret>
`;

async function withRoot(fn: (dir: string, uri: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-secret-cli-" });
  try {
    await fn(dir, `secret:///embed?root=${dir}/root`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) out.push(...await filesUnder(p));
      else out.push(p);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

Deno.test("secret CLI: define, list, dumpxml, set-value three ways, get-value, undefine", async () => {
  await withRoot(async (dir, uri) => {
    await Deno.writeTextFile(`${dir}/s.xml`, CEPH_XML);
    await Deno.writeTextFile(`${dir}/b64.txt`, "aGVsbG8=\n");
    await Deno.writeFile(`${dir}/raw.bin`, new Uint8Array([0, 1, 2, 255]));

    let r = await cli(["-c", uri, "secret-list"]);
    assertEquals(r.stdout, " UUID   Usage\n---------------\n\n");

    r = await cli(["-c", uri, "secret-define", "s.xml"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, `Secret ${UUID} created\n\n`);

    r = await cli(["-c", uri, "secret-list"]);
    assertEquals(
      r.stdout,
      " UUID                                   Usage\n" +
        "-----------------------------------------------------------\n" +
        ` ${UUID}   ceph client.admin\n\n`,
    );
    r = await cli(["-c", uri, "secret-dumpxml", UUID]);
    assertEquals(r.stdout, CEPH_XML + "\n");

    // No value yet.
    r = await cli(["-c", uri, "secret-get-value", UUID]);
    assertEquals(r.code, 1);
    assertMatch(r.stderr, /^error: Secret not found: .*does not have a value\n$/);

    // 1. base64 on the command line, with virsh's warning.
    r = await cli(["-c", uri, "secret-set-value", UUID, "aGk="]);
    assertEquals([r.code, r.stdout], [0, "Secret value set\n\n"]);
    assertEquals(r.stderr, "error: Passing secret value as command-line argument is insecure!\n");
    r = await cli(["-c", uri, "secret-get-value", UUID]);
    assertEquals(r.stdout, "aGk=\n\n");

    // 2a. A file holding base64.
    r = await cli(["-c", uri, "secret-set-value", UUID, "--file", "b64.txt"], { cwd: dir });
    assertEquals([r.code, r.stdout, r.stderr], [0, "Secret value set\n\n", ""]);
    r = await cli(["-c", uri, "secret-get-value", UUID]);
    assertEquals(r.stdout, "aGVsbG8=\n\n");

    // 2b. A file holding the raw value.
    r = await cli(["-c", uri, "secret-set-value", UUID, "--file", "raw.bin", "--plain"], {
      cwd: dir,
    });
    assertEquals(r.code, 0, r.stderr);
    r = await cli(["-q", "-c", uri, "secret-get-value", UUID, "--plain"]);
    assertEquals([...r.bytes], [0, 1, 2, 255]);

    // 3. Typed in (here: standard input), a plain value up to the newline.
    r = await cli(["-c", uri, "secret-set-value", UUID, "--interactive"], {
      stdin: "s3cret\nnot this\n",
    });
    assertEquals([r.code, r.stdout], [0, "Enter new value for secret:Secret value set\n\n"]);
    r = await cli(["-c", uri, "secret-get-value", UUID]);
    assertEquals(r.stdout, `${btoa("s3cret")}\n\n`);

    // A read-only connection gets no value, as with libvirt.
    r = await cli(["-r", "-c", uri, "secret-get-value", UUID]);
    assertEquals([r.code, r.stdout], [1, "\n"]);
    assertMatch(r.stderr, /read-only access prevents 'secret-get-value'/);

    // Looked up by usage (virtkit extension) and through a QEMU connection to the same root.
    r = await cli(["-c", uri, "secret-get-value", "ceph:client.admin"]);
    assertEquals(r.stdout, `${btoa("s3cret")}\n\n`);
    for (const driver of ["qemu", "lxc"]) {
      r = await cli(["-c", `${driver}:///embed?root=${dir}/root`, "secret-list"]);
      assertMatch(r.stdout, new RegExp(` ${UUID}   ceph client\\.admin\n`), driver);
    }

    // The value is on disk only encrypted.
    for (const f of await filesUnder(`${dir}/root`)) {
      const text = new TextDecoder("latin1").decode(await Deno.readFile(f));
      assert(!text.includes("s3cret") && !text.includes(btoa("s3cret")), `${f} leaks the value`);
    }

    r = await cli(["-c", uri, "secret-undefine", UUID]);
    assertEquals(r.stdout, `Secret ${UUID} deleted\n\n`);
    r = await cli(["-c", uri, "secret-undefine", UUID]);
    assertEquals(r.code, 1);
    assertEquals(
      r.stderr,
      `error: failed to get secret '${UUID}': Secret not found: no secret with matching uuid '${UUID}'\n`,
    );
    assertEquals(
      await filesUnder(`${dir}/root/etc`).then((f) => f.filter((x) => x.includes(UUID))),
      [],
    );
  });
});

Deno.test("secret CLI: option errors as virsh words them", async () => {
  await withRoot(async (dir, uri) => {
    await Deno.writeTextFile(`${dir}/s.xml`, CEPH_XML);
    await cli(["-c", uri, "secret-define", "s.xml"], { cwd: dir });
    const cases: [string[], string][] = [
      [[UUID, "aGk=", "--file", "x"], "Options --file and --base64 are mutually exclusive"],
      [[UUID, "aGk=", "--plain"], "Options --plain and --base64 are mutually exclusive"],
      [
        [UUID, "--interactive", "--file", "x"],
        "Options --interactive and --file are mutually exclusive",
      ],
      [
        [UUID, "--interactive", "--plain"],
        "Options --interactive and --plain are mutually exclusive",
      ],
      [[UUID], "Input secret value is missing"],
      [[UUID, "--plain"], "Input secret value is missing"],
      [[UUID, "--file", "nosuch"], "Failed to open file 'nosuch': No such file or directory"],
    ];
    for (const [args, message] of cases) {
      const r = await cli(["-c", uri, "secret-set-value", ...args], { cwd: dir });
      assertEquals([r.code, r.stderr], [1, `error: ${message}\n`], args.join(" "));
    }
    const r = await cli(["-c", uri, "secret-set-value", UUID, "!!!"]);
    assertEquals(r.code, 1);
    assertMatch(r.stderr, /error: Failed to set secret value: .*not valid base64/);
  });
});

Deno.test("secret CLI: a private secret's value is refused", async () => {
  await withRoot(async (dir, uri) => {
    await Deno.writeTextFile(`${dir}/p.xml`, PRIVATE_XML);
    let r = await cli([
      "-c",
      uri,
      "secret-define p.xml; secret-set-value " + PRIVATE + " --base64 dG9w",
    ], {
      cwd: dir,
    });
    assertEquals(r.code, 0, r.stderr);
    for (const extra of [[], ["--plain"]]) {
      r = await cli(["-c", uri, "secret-get-value", PRIVATE, ...extra]);
      assertEquals(r.code, 1);
      assertEquals(r.stdout, "\n");
      assertMatch(r.stderr, /^error: operation forbidden: secret .* is private/);
    }
    r = await cli(["--json", "-c", uri, "secret-get-value", PRIVATE]);
    assertEquals(r.code, 1);
    assert(!r.stdout.includes("dG9w") && !r.stderr.includes("dG9w"));
    assertEquals(JSON.parse(r.stderr).error.code, "operation-denied");
    // Listed with --private, not with --no-private.
    r = await cli(["-c", uri, "secret-list --private; secret-list --no-private"]);
    assertEquals(
      r.stdout,
      " UUID                                   Usage\n" +
        "-".repeat(79) + "\n" +
        ` ${PRIVATE}   iscsi iqn.2013-07.com.example:storage\n\n` +
        " UUID   Usage\n---------------\n\n",
    );
  });
});

Deno.test("secret CLI: malformed UUID, duplicate usage and oversized values are refused", async () => {
  await withRoot(async (dir, uri) => {
    await Deno.writeTextFile(`${dir}/s.xml`, CEPH_XML);
    await Deno.writeTextFile(`${dir}/bad.xml`, "<secret><uuid>1234-not-a-uuid</uuid></secret>\n");
    await Deno.writeTextFile(
      `${dir}/dup.xml`,
      "<secret><usage type='ceph'><name>client.admin</name></usage></secret>\n",
    );
    let r = await cli(["-c", uri, "secret-define", "bad.xml"], { cwd: dir });
    assertEquals(r.code, 1);
    assertMatch(
      r.stderr,
      /^error: Failed to set attributes from bad\.xml: .*uuid.*1234-not-a-uuid/,
    );

    r = await cli(["-c", uri, "secret-define", "s.xml"], { cwd: dir });
    assertEquals(r.code, 0);
    r = await cli(["-c", uri, "secret-define", "dup.xml"], { cwd: dir });
    assertEquals(r.code, 1);
    assertMatch(
      r.stderr,
      new RegExp(`^error: Failed to set attributes from dup\\.xml: .*${UUID}.*client\\.admin`),
    );
    r = await cli(["-c", uri, "secret-list"]);
    assertEquals(r.stdout.split("\n").length, 5, "only the first secret is defined");

    r = await cli(["-c", uri, "secret-get-value", "1234"]);
    assertEquals([r.code, r.stderr], [
      1,
      "error: failed to get secret '1234': invalid UUID '1234'\n",
    ]);

    // Exactly 1 MiB is accepted, one byte more is not (raw and base64 files alike).
    const mib = 1024 * 1024;
    await Deno.writeFile(`${dir}/ok.bin`, new Uint8Array(mib).fill(7));
    await Deno.writeFile(`${dir}/big.bin`, new Uint8Array(mib + 1).fill(7));
    r = await cli(["-c", uri, "secret-set-value", UUID, "--file", "ok.bin", "--plain"], {
      cwd: dir,
    });
    assertEquals(r.code, 0, r.stderr);
    r = await cli(["-c", uri, "secret-set-value", UUID, "--file", "big.bin", "--plain"], {
      cwd: dir,
    });
    assertEquals(r.code, 1);
    assertEquals(
      r.stderr,
      "error: Failed to set secret value: invalid argument: secret value is 1048577 bytes, more than the 1048576 bytes (1 MiB) allowed\n",
    );
    const big64 = btoa(String.fromCharCode(...new Uint8Array(mib + 1).fill(65).subarray(0, 3)))
      .repeat(Math.ceil((mib + 1) / 3));
    await Deno.writeTextFile(`${dir}/big.b64`, big64);
    r = await cli(["-c", uri, "secret-set-value", UUID, "--file", "big.b64"], { cwd: dir });
    assertEquals(r.code, 1);
    assertMatch(r.stderr, /more than the 1048576 bytes \(1 MiB\) allowed/);
    // The accepted value is still there.
    r = await cli(["-q", "-c", uri, "secret-get-value", UUID, "--plain"]);
    assertEquals(r.bytes.length, mib);
  });
});

Deno.test("secret CLI: ephemeral secrets live in the process only", async () => {
  await withRoot(async (dir, uri) => {
    const eph = "0a0b0c0d-1111-2222-3333-444455556666";
    await Deno.writeTextFile(
      `${dir}/e.xml`,
      `<secret ephemeral='yes' private='no'><uuid>${eph}</uuid></secret>\n`,
    );
    let r = await cli([
      "-c",
      uri,
      `secret-define e.xml; secret-set-value ${eph} --base64 ZXBo; secret-get-value ${eph}; secret-list --ephemeral`,
    ], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(
      r.stdout,
      `Secret ${eph} created\n\nSecret value set\n\nZXBo\n\n` +
        " UUID                                   Usage\n" +
        "------------------------------------------------\n" +
        ` ${eph}   Unused\n\n`,
    );
    for (const f of await filesUnder(`${dir}/root`)) {
      assert(!f.includes(eph), `${f} belongs to an ephemeral secret`);
      const text = await Deno.readTextFile(f).catch(() => "");
      assert(!text.includes(eph) && !text.includes("ZXBo"), `${f} mentions the ephemeral secret`);
    }
    r = await cli(["-c", uri, "secret-list"]);
    assertEquals(r.stdout, " UUID   Usage\n---------------\n\n");
  });
});

Deno.test("secret CLI: the secret driver has nothing but secrets; the test driver has none", async () => {
  await withRoot(async (_dir, uri) => {
    let r = await cli(["-c", uri, "list"]);
    assertEquals(r.code, 1);
    assertMatch(r.stderr, /not supported by the connection driver: virConnectListAllDomains/);
    r = await cli(["-c", uri, "nodedev-list"]);
    assertMatch(r.stderr, /not supported by the connection driver: virConnectListAllNodeDevices/);
    r = await cli(["-c", uri, "uri"]);
    assertEquals(r.stdout, `${uri}\n\n`);
  });
  const r = await cli(["-c", "test:///default", "secret-list"]);
  assertEquals(r.code, 1);
  assertMatch(r.stderr, /not supported by the connection driver: virConnectListAllSecrets/);
  const bad = await cli(["-c", "secret:///default", "secret-list"]);
  assertEquals(bad.code, 1);
  assertMatch(
    bad.stderr,
    /expected secret:\/\/\/system, secret:\/\/\/session or secret:\/\/\/embed/,
  );
});
