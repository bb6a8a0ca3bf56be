/**
 * The CLI on its own: command-line syntax, option matching, tables, and
 * whole runs of `main.ts` for errors (one `error:` line and a non-zero
 * exit), `--json`, `-q`, `-r`, help, completion and script input.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "../assert.ts";
import { findCommand } from "../../src/cli/commands.ts";
import { CliError, formatTable } from "../../src/cli/output.ts";
import { parseOptions, splitCommands } from "../../src/cli/parse.ts";
import { completions } from "../../src/cli/shell.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function cli(
  args: string[],
  stdin?: string,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { VIRTKIT_DEFAULT_URI: "test:///default" },
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), code: out.code };
}

function cliError(f: () => unknown, message: string): void {
  assertThrows(f, (e: unknown) => {
    assert(e instanceof CliError);
    assertEquals(e.message, message);
    return true;
  });
}

Deno.test("syntax: commands, quotes, escapes and comments", () => {
  assertEquals(splitCommands("list --all; domstate test"), [["list", "--all"], [
    "domstate",
    "test",
  ]]);
  assertEquals(splitCommands("define 'my file.xml'\nstart \"vm 1\""), [["define", "my file.xml"], [
    "start",
    "vm 1",
  ]]);
  assertEquals(splitCommands("echo a\\ b 'c;d' \"e'f\""), [["echo", "a b", "c;d", "e'f"]]);
  assertEquals(splitCommands("list # all of them\n; ; uri"), [["list"], ["uri"]]);
  assertEquals(splitCommands("list \\\n --all"), [["list", "--all"]]);
  cliError(() => splitCommands('list "--all'), 'missing "');
  cliError(() => splitCommands("list '--all"), "missing '");
  cliError(() => splitCommands("list \\"), "dangling \\");
});

Deno.test("options: positional and named values, virsh's errors", () => {
  const domstate = findCommand("domstate")!;
  assertEquals(
    parseOptions(domstate, ["test", "--reason"]).values,
    new Map<string, string | true>([["domain", "test"], ["reason", true]]),
  );
  assertEquals(parseOptions(domstate, ["--domain=test"]).values.get("domain"), "test");
  assertEquals(parseOptions(domstate, ["--domain", "test"]).values.get("domain"), "test");
  assertEquals(parseOptions(domstate, ["--", "--odd-name"]).values.get("domain"), "--odd-name");
  cliError(() => parseOptions(domstate, []), "command 'domstate' requires <domain> option");
  cliError(() => parseOptions(domstate, ["a", "b"]), "unexpected data 'b'");
  cliError(
    () => parseOptions(domstate, ["--reason", "--reason", "a"]),
    "option --reason already seen",
  );
  cliError(
    () => parseOptions(domstate, ["--frob", "a"]),
    "command 'domstate' doesn't support option --frob",
  );
  cliError(
    () => parseOptions(domstate, ["a", "--reason=yes"]),
    "invalid '=' after option --reason",
  );
  cliError(
    () => parseOptions(findCommand("shutdown")!, ["a", "--mode"]),
    "expected syntax: --mode <string>",
  );
});

Deno.test("tables: columns padded to the widest cell, the last one unpadded", () => {
  assertEquals(
    formatTable(["Id", "Name", "State"], [["1", "test", "running"], [
      "-",
      "longer-name",
      "shut off",
    ]]),
    " Id   Name          State\n" +
      "------------------------------\n" +
      " 1    test          running\n" +
      " -    longer-name   shut off\n",
  );
  assertEquals(
    formatTable(["Id", "Name", "State"], []),
    " Id   Name   State\n--------------------\n",
  );
});

Deno.test("errors: each failure is one error: line and a non-zero exit", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["-c", "bogus:///x", "list"],
      /^error: failed to connect to the hypervisor: unknown driver 'bogus' in URI 'bogus:\/\/\/x'; available drivers: ([a-z]+, )*test\b/,
    ],
    [
      ["-c", "test+frob:///default", "list"],
      /^error: failed to connect to the hypervisor: invalid connection URI .*unknown transport 'frob'/,
    ],
    [["-c", "test:///default?x=1", "list"], /unknown parameter 'x'/],
    [["frob"], /^error: unknown command: 'frob'$/],
    [["list", "--bogus"], /^error: command 'list' doesn't support option --bogus$/],
    [["--bogus", "list"], /^error: unsupported option '--bogus'. See --help.$/],
    [["dominfo", "nosuch"], /^error: failed to get domain 'nosuch'$/],
    [["net-info", "nosuch"], /^error: failed to get network 'nosuch'$/],
    [
      ["define", "/nonexistent/vm.xml"],
      /^error: Failed to open file '\/nonexistent\/vm.xml': No such file or directory$/,
    ],
    [
      ["resume", "test"],
      /^error: Failed to resume domain 'test': Requested operation is not valid: domain is not paused$/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const r = await cli(args);
    assertEquals(r.code, 1, `exit status of ${args.join(" ")}`);
    const lines = r.stderr.trimEnd().split("\n");
    assertEquals(lines.length, 1, `one error line for ${args.join(" ")}: ${r.stderr}`);
    assertMatch(lines[0], pattern);
  }
});

Deno.test("errors: a malformed domain file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bad.xml`, "<domain type='test'><name>x</name>");
    const r = await cli(["define", `${dir}/bad.xml`]);
    assertEquals(r.code, 1);
    assertMatch(
      r.stderr,
      /^error: Failed to define domain from .*bad.xml: XML error: malformed XML at line 1, column \d+: unclosed element <domain>\n$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run: the last command decides the exit status; a syntax error runs nothing", async () => {
  assertEquals((await cli(["domid nosuch; uri"])).code, 0);
  assertEquals((await cli(["uri; domid nosuch"])).code, 1);
  const r = await cli(["uri; frob"]);
  assertEquals([r.code, r.stdout], [1, ""]);
});

Deno.test("run: several arguments are one command", async () => {
  const r = await cli(["domstate", "test", "--reason"]);
  assertEquals(r.stdout, "running (unknown)\n\n");
});

Deno.test("run: commands from standard input", async () => {
  const r = await cli([], "uri\ndomid test\n");
  assertEquals(r.stdout, "test:///default\n\n1\n\n");
});

Deno.test("--json: machine-readable results, one line per command", async () => {
  const r = await cli([
    "--json",
    "list --all; domstate --reason test; net-list; dominfo test; start test",
  ]);
  const lines = r.stdout.trimEnd().split("\n");
  assertEquals(lines.length, 4);
  assertEquals(JSON.parse(lines[0]), [{
    id: 1,
    name: "test",
    uuid: "6695eb01-f6a4-8304-79aa-97f2502e193f",
    state: "running",
    persistent: true,
    autostart: false,
  }]);
  assertEquals(JSON.parse(lines[1]), { state: "running", reason: "unknown" });
  assertEquals(JSON.parse(lines[2]), [{
    name: "default",
    uuid: "dd8fe884-6c02-601e-7551-cca97df1c5df",
    active: true,
    autostart: false,
    persistent: true,
  }]);
  const info = JSON.parse(lines[3]);
  assertEquals([info.name, info.maxMemory, info.securityLabel], ["test", 8388608, {
    label: "libvirt-test",
    enforcing: true,
  }]);
  assertEquals(JSON.parse(r.stderr), {
    error: { code: "cli", domain: "cli", message: "Domain is already active" },
  });
  // Per command too.
  assertEquals(JSON.parse((await cli(["domid", "test", "--json"])).stdout), { id: 1 });
  assertEquals(JSON.parse((await cli(["--json", "destroy test"])).stdout), {
    domain: "test",
    result: "destroyed",
  });
});

Deno.test("-q: no confirmations and no blank lines", async () => {
  const r = await cli(["-q", "destroy test; domstate test"]);
  assertEquals(r.stdout, "shut off\n");
});

Deno.test("-r: a read-only session refuses changes", async () => {
  const r = await cli(["-r", "destroy test"]);
  assertEquals(r.code, 1);
  assertEquals(r.stderr, "error: operation forbidden: read-only access prevents 'destroy'\n");
  assertEquals((await cli(["-r", "domstate test"])).code, 0);
});

Deno.test("help: groups, one command, unknown names", async () => {
  const all = await cli(["help"]);
  assertMatch(all.stdout, /^Grouped commands:\n\n Domain Management \(help keyword 'domain'\):\n/);
  assertMatch(all.stdout, /\n {4}net-list {23}list networks\n/);
  const one = await cli(["help domstate"]);
  assertMatch(one.stdout, /SYNOPSIS\n {4}domstate <domain> \[--reason\] \[--json\]\n/);
  assertMatch(one.stdout, /\n {4}\[--domain\] <string> {2}domain name, id or uuid\n/);
  assertEquals(
    (await cli(["help frob"])).stderr,
    "error: command or command group 'frob' doesn't exist\n",
  );
  const usage = await cli(["--help"]);
  assertMatch(usage.stdout, /-c \| --connect=URI/);
});

Deno.test("completion: scripts and candidates", async () => {
  assertMatch(
    (await cli(["completion", "bash"])).stdout,
    /complete -o default -o nospace -F _virtkit virtkit/,
  );
  assertMatch((await cli(["completion", "zsh"])).stdout, /^#compdef virtkit/);
  assertEquals(
    (await cli(["completion", "fish"])).stderr,
    "error: unknown shell 'fish', expected 'bash' or 'zsh'\n",
  );
  assertEquals(await completions("virtkit net-"), [
    "net-autostart",
    "net-create",
    "net-define",
    "net-destroy",
    "net-dhcp-leases",
    "net-dumpxml",
    "net-edit",
    "net-info",
    "net-list",
    "net-name",
    "net-start",
    "net-undefine",
    "net-update",
    "net-uuid",
  ]);
  assertEquals(await completions("virtkit domstate --r"), ["--reason"]);
  assertEquals(await completions("virtkit -c test:///default domstate "), ["test"]);
  assertEquals(await completions("virtkit -c test:///default list; net-info d"), ["default"]);
  // Every candidate starts with the prefix, sorted, and the core commands are there
  // (other command groups add more dom* commands as drivers land).
  const dom = await completions("virtkit help dom");
  assertEquals(dom, [...dom].sort());
  assert(dom.every((c) => c.startsWith("dom")), dom.join(" "));
  for (const c of ["domain", "domid", "dominfo", "dommemstat", "domname", "domstate", "domuuid"]) {
    assert(dom.includes(c), `missing ${c}`);
  }
  assertEquals(await completions("virtkit define "), []);
  assertEquals((await cli(["-q", "complete", "--", "virtkit completion "])).stdout, "bash\nzsh\n");
});

Deno.test("version: ours and the hypervisor's", async () => {
  const r = await cli(["version"]);
  assertMatch(
    r.stdout,
    /^Compiled against library: virtkit \d+\.\d+\.\d+\nUsing library: virtkit .*\nUsing API: TEST .*\nRunning hypervisor: TEST 0\.0\.2\n\n$/,
  );
  assertMatch((await cli(["-v"])).stdout, /^\d+\.\d+\.\d+\n$/);
});
