/**
 * Library benchmark: define + dumpxml of a domain through
 * `open("test:///default")`, against the same loop through python3-libvirt
 * (libvirt's own test driver, in process). Both sides time only the loop,
 * after a warm-up. Prints each side's rate and the ratio. Never asserts.
 *
 * Usage: deno run -A scripts/bench-api.ts [--iterations N]
 * @module
 */
import { open } from "../mod.ts";

const i = Deno.args.indexOf("--iterations");
const iterations = i === -1 ? 2000 : Number(Deno.args[i + 1]);

/** A typical small guest: disk, network, console, graphics, balloon. */
const XML = `<domain type='test'>
  <name>bench</name>
  <uuid>0f4c1b2a-3d5e-4f60-8a7b-9c0d1e2f3a4b</uuid>
  <description>benchmark guest</description>
  <memory unit='MiB'>1024</memory>
  <currentMemory unit='MiB'>512</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/images/bench.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:12:34:56'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <graphics type='vnc' port='-1' autoport='yes'/>
    <memballoon model='virtio'/>
  </devices>
</domain>
`;

const PYTHON = `
import sys, time, libvirt
xml = sys.stdin.read()
n = int(sys.argv[1])
libvirt.registerErrorHandler(lambda *a: None, None)
conn = libvirt.open("test:///default")
for _ in range(min(n, 200)):
    conn.defineXML(xml).XMLDesc(0)
t = time.perf_counter()
for _ in range(n):
    conn.defineXML(xml).XMLDesc(0)
dt = time.perf_counter() - t
print(n / dt)
`;

/** The rate through python3-libvirt: the first Python on the list that has the module. */
async function python(): Promise<number | undefined> {
  for (const py of ["python3", "/usr/bin/python3"]) {
    const rate = await pythonWith(py);
    if (rate !== undefined) return rate;
  }
  return undefined;
}

async function pythonWith(py: string): Promise<number | undefined> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(py, { args: ["-c", PYTHON, String(iterations)], stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  } catch {
    return undefined;
  }
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(XML));
  await w.close();
  const out = await child.output();
  if (!out.success) {
    console.log(`bench-api: python3-libvirt did not run with ${py}: ${new TextDecoder().decode(out.stderr).trim().split("\n").at(-1)}`);
    return undefined;
  }
  return Number(new TextDecoder().decode(out.stdout).trim());
}

async function ours(): Promise<number> {
  const conn = await open("test:///default");
  for (let k = 0; k < Math.min(iterations, 200); k++) await (await conn.defineXML(XML)).XMLDesc(0);
  const start = performance.now();
  for (let k = 0; k < iterations; k++) await (await conn.defineXML(XML)).XMLDesc(0);
  const seconds = (performance.now() - start) / 1000;
  await conn.close();
  return iterations / seconds;
}

const a = await ours();
const b = await python();
console.log(`define+dumpxml, ${iterations} iterations each`);
console.log(`virtkit open("test:///default"): ${a.toFixed(0)} ops/s`);
if (b === undefined) {
  console.log("python3-libvirt: not available; nothing to compare against");
} else {
  console.log(`python3-libvirt test:///default: ${b.toFixed(0)} ops/s`);
  console.log(`ratio virtkit/libvirt: ${(a / b).toFixed(2)}x  (target: at least 3x)`);
}
