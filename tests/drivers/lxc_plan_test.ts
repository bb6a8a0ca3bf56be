/**
 * The LXC driver's pure parts: the tiny helper programs (built and run
 * as an ordinary user), the container plan (checks, capabilities,
 * environment, paths inside the root) and the status file format.
 */
import { assert, assertEquals } from "../assert.ts";
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import { VirtError } from "../../src/errors.ts";
import { HelperProgram, NR } from "../../drivers/lxc/helper-program.ts";
import {
  capabilitiesToDrop,
  planContainer,
  resolveInRoot,
} from "../../drivers/lxc/container-plan.ts";
import { formatStatus, parseStatus, STATUS_VERSION } from "../../drivers/lxc/status.ts";

const X86_LINUX = Deno.build.os === "linux" && Deno.build.arch === "x86_64";

/** Runs a built program with `args`, its records going to a file on descriptor 3. */
async function runProgram(p: HelperProgram, args: string[], env: Record<string, string> = {}) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/prog`, p.build(), { mode: 0o755 });
    const o = await new Deno.Command("/bin/sh", {
      args: ["-c", `exec "$0" "$@" 3>"${dir}/records"`, `${dir}/prog`, ...args],
      env,
      clearEnv: true,
      stdout: "piped",
    }).output();
    const bytes = await Deno.readFile(`${dir}/records`);
    const v = new DataView(bytes.buffer);
    const records: [bigint, bigint][] = [];
    for (let i = 0; i + 16 <= bytes.length; i += 16) {
      records.push([v.getBigUint64(i, true), v.getBigUint64(i + 8, true)]);
    }
    return { code: o.code, out: new TextDecoder().decode(o.stdout), records };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "helper program: calls, records, fork and exec of its own command line",
  ignore: !X86_LINUX,
  async fn() {
    const p = new HelperProgram();
    p.call("say hello", NR.write, [1, { str: "hello\n" }, 6]);
    p.report(7, 42);
    p.fork((parent) => {
      parent.report(2, { reg: "child" });
      parent.call("wait", NR.wait4, [{ reg: "child" }, { buf: "status" }, 0, 0]);
      parent.report(3, { load: "status" });
    });
    p.exec();
    const r = await runProgram(p, ["/bin/sh", "-c", 'echo "args:$1 env:$V"', "sh", "one"], {
      V: "x",
    });
    assertEquals(r.code, 0);
    assertEquals(r.out, "hello\nargs:one env:x\n");
    assertEquals(r.records[0], [7n, 42n]);
    assertEquals(r.records[1][0], 2n);
    assert(r.records[1][1] > 0n, "the child's pid");
    assertEquals(r.records[2], [3n, 0n]); // the child exited with status 0
  },
});

Deno.test({
  name: "helper program: a failed call reports its step and errno and ends with 127",
  ignore: !X86_LINUX,
  async fn() {
    const p = new HelperProgram();
    p.call("enter the missing folder", NR.chdir, [{ str: "/no/such/folder" }]);
    p.call("never reached", NR.write, [1, { str: "x" }, 1]);
    p.exec();
    const r = await runProgram(p, ["/bin/true"]);
    assertEquals(r.code, 127);
    assertEquals(r.out, "");
    assertEquals(r.records.length, 1);
    assertEquals(p.describe(...r.records[0]), { step: "enter the missing folder", errno: 2 });

    const q = new HelperProgram();
    q.exec();
    const s = await runProgram(q, ["/no/such/init"]);
    assertEquals(s.code, 127);
    assertEquals(q.describe(...s.records[0]), { step: "execute the init", errno: 2 });
  },
});

async function busyboxRoot(): Promise<string> {
  const root = await Deno.makeTempDir();
  await Deno.mkdir(`${root}/bin`);
  await Deno.mkdir(`${root}/usr/lib`, { recursive: true });
  await Deno.writeFile(`${root}/bin/busybox`, new Uint8Array([0x7f, 0x45]), { mode: 0o755 });
  await Deno.symlink("busybox", `${root}/bin/sh`);
  await Deno.symlink("/bin/busybox", `${root}/usr/lib/init`);
  await Deno.symlink("../../../../../bin/sh", `${root}/usr/lib/escape`);
  await Deno.writeFile(`${root}/bin/data`, new Uint8Array(), { mode: 0o644 });
  return root;
}

function lxcDef(root: string, extra = "", os = "<init>/bin/sh</init>", devices = ""): string {
  return `<domain type='lxc'><name>ct1</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
<memory unit='KiB'>65536</memory><os><type>exe</type>${os}</os>${extra}
<devices><filesystem type='mount'><source dir='${root}'/><target dir='/'/></filesystem>${devices}</devices></domain>`;
}

/** The VirtError `f` throws. */
function thrown(f: () => unknown): VirtError {
  try {
    f();
  } catch (e) {
    assert(e instanceof VirtError, String(e));
    return e;
  }
  throw new Error("nothing was thrown");
}

function refused(xml: string, message: string): void {
  const e = thrown(() => planContainer(parseDomainXml(xml), 40));
  assertEquals(e.code, "config-unsupported");
  assert(e.message.includes(message), `${e.message} does not say "${message}"`);
}

Deno.test("container plan: paths inside the root follow links without leaving it", async () => {
  const root = await busyboxRoot();
  try {
    assertEquals(resolveInRoot(root, "/bin/sh"), `${root}/bin/busybox`);
    assertEquals(resolveInRoot(root, "/usr/lib/init"), `${root}/bin/busybox`);
    assertEquals(resolveInRoot(root, "/usr/lib/escape"), `${root}/bin/busybox`);
    assertEquals(resolveInRoot(root, "/bin/../bin/./sh"), `${root}/bin/busybox`);
    assertEquals(resolveInRoot(root, "/sbin/init"), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("container plan: the init's command line, environment and ids", async () => {
  const root = await busyboxRoot();
  try {
    const plan = planContainer(
      parseDomainXml(lxcDef(
        root,
        "",
        "<init>/bin/sh</init><initarg>-c</initarg><initarg>echo hi</initarg><initenv name='FOO'>bar</initenv><initdir>/usr</initdir>",
        "<interface type='bridge'><source bridge='br0'/></interface>",
      )),
      40,
    );
    assertEquals(plan.argv, ["/bin/sh", "-c", "echo hi"]);
    assertEquals(plan.env, [
      "PATH=/bin:/usr/bin",
      "TERM=linux",
      "HOME=/",
      "container=libvirt-lxc",
      "container_uuid=c7a5fdbd-edaf-9455-926a-d65c16db1809",
      "LIBVIRT_LXC_UUID=c7a5fdbd-edaf-9455-926a-d65c16db1809",
      "LIBVIRT_LXC_NAME=ct1",
      "FOO=bar",
    ]);
    assertEquals(plan.initDir, "/usr");
    assertEquals([plan.uid, plan.gid], [0, 0]);
    assertEquals(plan.root, root);
    assertEquals(plan.privateNetwork, true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("container plan: refusals name what is wrong", async () => {
  const root = await busyboxRoot();
  try {
    refused(lxcDef(`${root}/missing`), `the root filesystem '${root}/missing' does not exist`);
    refused(
      lxcDef(root, "", "<init>/sbin/init</init>"),
      "the init '/sbin/init' does not exist in the container's root",
    );
    refused(lxcDef(root, "", "<init>/bin/data</init>"), "the init '/bin/data' is not executable");
    refused(
      lxcDef(root, "", "<init>/bin/sh</init><initdir>/nowhere</initdir>"),
      "the init directory '/nowhere'",
    );
    refused(
      lxcDef(
        root,
        "<idmap><uid start='0' target='1000' count='10'/><uid start='10' target='1005' count='10'/><gid start='0' target='1000' count='10'/></idmap>",
      ),
      "overlap on the host",
    );
    refused(
      lxcDef(root, "<idmap><uid start='0' target='1000' count='10'/></idmap>"),
      "needs both <uid> and <gid>",
    );
    refused(
      lxcDef(
        root,
        "",
        undefined,
        "<filesystem type='file'><source file='/x.img'/><target dir='/mnt'/></filesystem>",
      ),
      "has type 'file'",
    );
    refused(
      lxcDef(
        root,
        "",
        undefined,
        "<filesystem type='mount'><source dir='/no/such'/><target dir='/mnt'/></filesystem>",
      ),
      "source '/no/such' does not exist",
    );
    refused(lxcDef(root, "", undefined, "<interface type='user'/>"), "has type 'user'");
    refused(lxcDef(root).replace("type='lxc'", "type='kvm'"), "domain type 'kvm' is not 'lxc'");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("container plan: capabilities dropped by each policy", () => {
  const def = (features: string) =>
    parseDomainXml(
      `<domain type='lxc'><name>c</name><memory>1024</memory><os><type>exe</type><init>/bin/sh</init></os>
<features>${features}</features></domain>`,
    );
  // default: module loading, the clock, mknod, audit control, LSM admin
  assertEquals(capabilitiesToDrop(def(""), 40), [16, 25, 27, 30, 33]);
  assertEquals(
    capabilitiesToDrop(
      def(
        "<capabilities policy='default'><mknod state='on'/><net_raw state='off'/></capabilities>",
      ),
      40,
    ),
    [13, 16, 25, 30, 33],
  );
  assertEquals(
    capabilitiesToDrop(
      def("<capabilities policy='allow'><sys_boot state='off'/></capabilities>"),
      40,
    ),
    [22],
  );
  const deny = capabilitiesToDrop(
    def("<capabilities policy='deny'><chown state='on'/><setpcap state='on'/></capabilities>"),
    40,
  );
  assertEquals(deny.length, 39);
  assert(!deny.includes(0) && !deny.includes(8));
  const denyAll = capabilitiesToDrop(def("<capabilities policy='deny'/>"), 40);
  assertEquals(denyAll.at(-1), 8, "CAP_SETPCAP goes last");
});

Deno.test("status file: round trip and damage", () => {
  const rt = {
    version: STATUS_VERSION,
    id: 10,
    initPid: 11,
    initStart: "123",
    state: 1,
    reason: 1,
    cgroup: "/machine/ct1.libvirt-lxc",
    veths: ["vnet0"],
    persistent: true,
    startedAt: 1,
  };
  const xml = "<domain type='lxc' id='10'>\n  <name>ct1</name>\n</domain>\n";
  const text = formatStatus(rt, xml);
  assertEquals(parseStatus(text, "f.xml"), { runtime: rt, domainXml: xml });
  const e = thrown(() => parseStatus("<domstatus/>", "f.xml"));
  assertEquals(e.message, "damaged status file 'f.xml': no <domain> element");
});
