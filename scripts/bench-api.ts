/**
 * Library benchmark: define + dumpxml of a domain through
 * `open("test:///default")`, against the same loop through python3-libvirt
 * (libvirt's own test driver, in process). Each side warms up (the JIT
 * needs a few thousand rounds to settle), then the two take turns for five
 * rounds of N iterations, so both see the same machine load. Prints the
 * median rates and the median of the per-round ratios; never asserts.
 *
 * Usage: deno run -A scripts/bench-api.ts [--iterations N]
 * @module
 */
import { type Connection, open } from "../mod.ts";

const i = Deno.args.indexOf("--iterations");
const iterations = i === -1 ? 5000 : Number(Deno.args[i + 1]);
const WARMUP = 5000;
const ROUNDS = 5;

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
xml = open(sys.argv[1]).read()
libvirt.registerErrorHandler(lambda *a: None, None)
conn = libvirt.open("test:///default")
for line in sys.stdin:
    count = int(line)
    t = time.perf_counter()
    for _ in range(count):
        conn.defineXML(xml).XMLDesc(0)
    print(count / (time.perf_counter() - t), flush=True)
`;

/** python3-libvirt running rounds on request, so its rounds interleave with ours. */
class PythonSide {
  #lines: AsyncIterator<string>;
  #writer: WritableStreamDefaultWriter<Uint8Array>;

  private constructor(readonly child: Deno.ChildProcess) {
    this.#writer = child.stdin.getWriter();
    this.#lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(new LineStream())
      [Symbol.asyncIterator]();
  }

  /** Starts the first Python on the list that has the libvirt module, or returns undefined. */
  static async start(xmlPath: string): Promise<PythonSide | undefined> {
    for (const py of ["python3", "/usr/bin/python3"]) {
      const probe = await new Deno.Command(py, {
        args: ["-c", "import libvirt"],
        stdout: "null",
        stderr: "null",
      }).output().catch(() => undefined);
      if (!probe?.success) continue;
      const child = new Deno.Command(py, {
        args: ["-c", PYTHON, xmlPath],
        stdin: "piped",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      return new PythonSide(child);
    }
    return undefined;
  }

  /** Runs `count` iterations and returns the rate. */
  async round(count: number): Promise<number> {
    await this.#writer.write(new TextEncoder().encode(`${count}\n`));
    const r = await this.#lines.next();
    if (r.done) throw new Error("python3-libvirt stopped");
    return Number(r.value);
  }

  async stop(): Promise<void> {
    await this.#writer.close();
    await this.child.status;
  }
}

/** Splits a text stream into lines. */
class LineStream extends TransformStream<string, string> {
  constructor() {
    let buf = "";
    super({
      transform(chunk, controller) {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf("\n")) !== -1) {
          controller.enqueue(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      },
    });
  }
}

async function ourRound(conn: Connection, count: number): Promise<number> {
  const start = performance.now();
  for (let k = 0; k < count; k++) await (await conn.defineXML(XML)).XMLDesc(0);
  return count / ((performance.now() - start) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const xmlPath = await Deno.makeTempFile({ suffix: ".xml" });
await Deno.writeTextFile(xmlPath, XML);
const conn = await open("test:///default");
const py = await PythonSide.start(xmlPath);
await ourRound(conn, WARMUP);
await py?.round(Math.min(WARMUP, 1000));
const ours: number[] = [];
const theirs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  ours.push(await ourRound(conn, iterations));
  if (py) theirs.push(await py.round(iterations));
}
await py?.stop();
await conn.close();
await Deno.remove(xmlPath);

console.log(
  `define+dumpxml: ${WARMUP} warm-up iterations, then ${ROUNDS} alternating rounds of ${iterations}; medians`,
);
console.log(`virtkit open("test:///default"): ${median(ours).toFixed(0)} ops/s`);
if (!py) {
  console.log("python3-libvirt: not installed; nothing to compare against");
} else {
  console.log(`python3-libvirt test:///default: ${median(theirs).toFixed(0)} ops/s`);
  const ratios = ours.map((a, k) => a / theirs[k]);
  console.log(
    `ratio virtkit/libvirt: ${median(ratios).toFixed(2)}x (per round: ${
      ratios.map((x) => x.toFixed(2)).join(", ")
    }; target: at least 3x)`,
  );
}
