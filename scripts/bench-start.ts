/**
 * `deno run -A scripts/bench-start.ts [ROUNDS]`: how long a QEMU guest takes
 * from "start" to running, three ways, on the same TCG definition (256 MiB,
 * no disk, a pty serial port, a balloon):
 *
 * - virtkit on `qemu:///embed?root=TMP`: define + start through the library,
 *   and `virtkit start` as a command (a fresh process each time);
 * - libvirt 9.0 on `qemu:///system`: define + create through python3-libvirt,
 *   and `virsh start` (libvirtd and virtlogd are started for the run if libvirtd is not running,
 *   in a private mount namespace that adds the `libvirt-qemu` user its QEMU
 *   driver insists on, and stopped afterwards);
 * - bare QEMU with the same machine, until its QMP greeting arrives.
 *
 * Prints the medians and the ratios. Every domain and process it makes is
 * removed.
 */
import { open, VIR_DOMAIN_RUNNING } from "../src/connect.ts";

const ROUNDS = Number(Deno.args[0] ?? 7);
const QEMU = "/usr/bin/qemu-system-x86_64";
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const work = await Deno.makeTempDir({ prefix: "vk-bench-start-" });
const name = `vkbench${Date.now() % 100000}`;

function definition(uuid: string): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <serial type='pty'/>
    <console type='pty'/>
    <memballoon model='virtio'/>
  </devices>
</domain>
`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const o = await new Deno.Command(cmd, { args, stdin: "null" }).output();
  const dec = new TextDecoder();
  return { ok: o.success, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
}

const fmt = (ms: number) => `${ms.toFixed(1).padStart(7)} ms`;

// ---- virtkit ----------------------------------------------------------------

const root = `${work}/embed`;
const uri = `qemu:///embed?root=${root}`;
const xmlFile = `${work}/domain.xml`;
await Deno.writeTextFile(xmlFile, definition(crypto.randomUUID()));
const lib: number[] = [];
const libStart: number[] = [];
const cliStart: number[] = [];
{
  const conn = await open(uri);
  try {
    // One untimed round fills the capabilities cache, as a running host has it.
    const warm = await conn.defineXML(definition(crypto.randomUUID()));
    await warm.create();
    await warm.destroy();
    await warm.undefine();
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      const dom = await conn.defineXML(definition(crypto.randomUUID()));
      const t1 = performance.now();
      await dom.create();
      const t2 = performance.now();
      if ((await dom.state())[0] !== VIR_DOMAIN_RUNNING) throw new Error("virtkit: not running");
      lib.push(t2 - t0);
      libStart.push(t2 - t1);
      await dom.destroy();
      await dom.undefine();
    }
    const dom = await conn.defineXML(await Deno.readTextFile(xmlFile));
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      const r = await run(Deno.execPath(), ["run", "-A", MAIN, "-c", uri, "start", name]);
      cliStart.push(performance.now() - t);
      if (!r.ok) throw new Error(`virtkit start failed: ${r.out}`);
      await dom.destroy();
    }
    await dom.undefine();
  } finally {
    await conn.close();
  }
}

// ---- bare QEMU ------------------------------------------------------------------

const bare: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const sock = `${work}/bare.qmp`;
  const t = performance.now();
  const child = new Deno.Command(QEMU, {
    args: [
      "-name",
      name,
      "-machine",
      "pc,accel=tcg",
      "-m",
      "256",
      "-smp",
      "1",
      "-no-user-config",
      "-nodefaults",
      "-display",
      "none",
      "-chardev",
      "pty,id=charserial0",
      "-device",
      "isa-serial,chardev=charserial0",
      "-device",
      "virtio-balloon-pci",
      "-qmp",
      `unix:${sock},server=on,wait=off`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let conn: Deno.UnixConn | undefined;
  while (!conn) {
    try {
      conn = await Deno.connect({ transport: "unix", path: sock });
    } catch {
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  const buf = new Uint8Array(4096);
  let text = "";
  while (!text.includes("\n")) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  bare.push(performance.now() - t);
  if (!text.includes('"QMP"')) throw new Error(`no QMP greeting: ${text}`);
  conn.close();
  child.kill("SIGKILL");
  await child.status;
  await Deno.remove(sock).catch(() => {});
}

// ---- libvirt --------------------------------------------------------------------

const PY = `
import json, sys, time, uuid, libvirt
xml, name, rounds = open(sys.argv[1]).read(), sys.argv[2], int(sys.argv[3])
conn = libvirt.open("qemu:///system")
def one():
    x = xml.replace(xml[xml.index("<uuid>"):xml.index("</uuid>")], "<uuid>" + str(uuid.uuid4()))
    t0 = time.perf_counter()
    dom = conn.defineXML(x)
    t1 = time.perf_counter()
    dom.create()
    while dom.state()[0] != libvirt.VIR_DOMAIN_RUNNING:
        time.sleep(0.001)
    t2 = time.perf_counter()
    dom.destroy()
    dom.undefine()
    return (t2 - t0) * 1000, (t2 - t1) * 1000
one()
res = [one() for _ in range(rounds)]
print(json.dumps(res))
`;

let libvirtLib: number[] = [];
let libvirtStart: number[] = [];
const virshStart: number[] = [];
let libvirtError: string | undefined;
const wasRunning = (await run("pgrep", ["-x", "libvirtd"])).ok;
const pidFile = `${work}/libvirtd.pid`;
const logdPidFile = `${work}/virtlogd.pid`;
try {
  if (!wasRunning) await startLibvirtd();
  await Deno.writeTextFile(`${work}/bench.py`, PY);
  const py = await run("/usr/bin/python3", [`${work}/bench.py`, xmlFile, name, String(ROUNDS)]);
  if (!py.ok) throw new Error(py.out.trim().split("\n").slice(-1)[0]);
  const pairs = JSON.parse(py.out) as [number, number][];
  libvirtLib = pairs.map((p) => p[0]);
  libvirtStart = pairs.map((p) => p[1]);
  const def = await run("virsh", ["-c", "qemu:///system", "define", xmlFile]);
  if (!def.ok) throw new Error(def.out);
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      const r = await run("virsh", ["-c", "qemu:///system", "start", name]);
      virshStart.push(performance.now() - t);
      if (!r.ok) throw new Error(r.out);
      await run("virsh", ["-c", "qemu:///system", "destroy", name]);
    }
  } finally {
    await run("virsh", ["-c", "qemu:///system", "destroy", name]);
    await run("virsh", ["-c", "qemu:///system", "undefine", name]);
  }
} catch (e) {
  libvirtError = (e as Error).message.replace(/\s+/g, " ");
} finally {
  if (!wasRunning) {
    for (const f of [pidFile, logdPidFile]) {
      const pid = Number(await Deno.readTextFile(f).catch(() => "0"));
      if (pid) Deno.kill(pid, "SIGTERM");
    }
  }
}

/**
 * Starts libvirtd for the run, in a private mount namespace where
 * `/etc/passwd` and `/etc/group` are copies that add `libvirt-qemu` (a host
 * without the Debian package's post-install steps lacks it, and libvirt's
 * QEMU driver refuses to start without it). The host's files are untouched.
 */
async function startLibvirtd(): Promise<void> {
  await Deno.mkdir("/var/log/libvirt", { recursive: true });
  const passwd = `${work}/passwd`;
  const group = `${work}/group`;
  const etcPasswd = await Deno.readTextFile("/etc/passwd");
  const etcGroup = await Deno.readTextFile("/etc/group");
  await Deno.writeTextFile(
    passwd,
    etcPasswd +
      (etcPasswd.includes("libvirt-qemu:")
        ? ""
        : "libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin\n"),
  );
  // libvirt checks that its QEMU user may open /dev/kvm; without that it
  // finds its capabilities cache stale and probes QEMU again on every call.
  const withKvm = etcGroup.replace(
    /^kvm:([^:]*):(\d+):(.*)$/m,
    (_l, pw, gid, members) => `kvm:${pw}:${gid}:${members ? members + "," : ""}libvirt-qemu`,
  );
  await Deno.writeTextFile(
    group,
    withKvm + (etcGroup.includes("libvirt-qemu:") ? "" : "libvirt-qemu:x:64055:\n"),
  );
  const r = await run("unshare", [
    "-m",
    "--propagation",
    "private",
    "sh",
    "-c",
    'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && virtlogd -d -p "$4" && exec libvirtd -d -p "$3"',
    "sh",
    passwd,
    group,
    pidFile,
    logdPidFile,
  ]);
  if (!r.ok) throw new Error(`libvirtd did not start: ${r.out}`);
  for (let k = 0; k < 100; k++) {
    if (await Deno.stat("/run/libvirt/libvirt-sock").then(() => true, () => false)) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error("libvirtd did not open its socket");
}

await Deno.remove(work, { recursive: true }).catch(() => {});

// ---- report ---------------------------------------------------------------------

console.log(`bench-start: a TCG guest (256 MiB, no disk) to running, ${ROUNDS} rounds, medians`);
console.log(
  `  virtkit library: define + start      ${fmt(median(lib))}   (start alone ${
    fmt(median(libStart))
  })`,
);
console.log(`  virtkit start (a CLI process)        ${fmt(median(cliStart))}`);
if (libvirtError) {
  console.log(`  libvirt: failed: ${libvirtError}`);
} else {
  console.log(
    `  libvirt API: define + create         ${fmt(median(libvirtLib))}   (create alone ${
      fmt(median(libvirtStart))
    })`,
  );
  console.log(`  virsh start                          ${fmt(median(virshStart))}`);
}
console.log(`  bare QEMU to its QMP greeting        ${fmt(median(bare))}`);
if (!libvirtError) {
  console.log(
    `  ratio virtkit/libvirt, define+start  ${(median(lib) / median(libvirtLib)).toFixed(2)}`,
  );
  console.log(
    `  ratio virtkit/libvirt, start alone   ${
      (median(libStart) / median(libvirtStart)).toFixed(2)
    }`,
  );
  console.log(
    `  ratio virtkit start/virsh start      ${(median(cliStart) / median(virshStart)).toFixed(2)}`,
  );
}
console.log(`  ratio virtkit library/bare QEMU      ${(median(lib) / median(bare)).toFixed(2)}`);
