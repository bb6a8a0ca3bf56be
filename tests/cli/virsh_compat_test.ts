/**
 * The CLI against virsh itself: each transcript runs through
 * `virsh -c URI '...'` and `deno run -A main.ts -c URI '...'`, and the
 * outputs and exit statuses must be identical. Skips (saying why) only
 * where virsh is not installed; with VIRTKIT_TEST_STRICT=1 that is a failure.
 */
import { assertEquals } from "../assert.ts";
import { hasCommand, skipUnless } from "../skip.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ignore = skipUnless(
  hasCommand("virsh"),
  "virsh is not installed (apt-get install libvirt-clients)",
);

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

async function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return { stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), code: out.code };
}

function virsh(uri: string, line: string, cwd: string): Promise<Run> {
  return run("virsh", ["-c", uri, line], cwd);
}

function virtkit(uri: string, line: string, cwd: string): Promise<Run> {
  return run(Deno.execPath(), ["run", "-A", `${ROOT}main.ts`, "-c", uri, line], cwd);
}

/** Lines that differ between any two runs (the clock-driven CPU time of `dominfo`). */
function stable(s: string): string {
  return s.replace(/^(CPU time: +)\d+\.\d+s$/gm, "$1<time>");
}

async function compare(
  line: string,
  opts: { uri?: string; files?: Record<string, string>; stderr?: boolean } = {},
) {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-compat-" });
  try {
    for (const [name, text] of Object.entries(opts.files ?? {})) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    const uri = (opts.uri ?? "test:///default").replace("$DIR", dir);
    const [theirs, ours] = await Promise.all([virsh(uri, line, dir), virtkit(uri, line, dir)]);
    assertEquals(stable(ours.stdout), stable(theirs.stdout), `stdout of '${line}'`);
    assertEquals(ours.code, theirs.code, `exit status of '${line}'`);
    if (opts.stderr) assertEquals(ours.stderr, theirs.stderr, `stderr of '${line}'`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const VM1 = `<domain type='test'>
  <name>vm1</name>
  <uuid>5f0c6a52-2b8e-4a3e-9c33-4a5b1d9e8a10</uuid>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os>
    <type>hvm</type>
  </os>
</domain>
`;

// The transcripts the issue names.

Deno.test(
  { name: "virsh compat: list --all; domstate --reason test; domid test", ignore },
  async () => {
    await compare("list --all; domstate --reason test; domid test", { stderr: true });
  },
);

Deno.test({
  name: "virsh compat: define, start, suspend, domstate, resume, destroy, undefine, list",
  ignore,
}, async () => {
  await compare(
    "define vm1.xml; start vm1; suspend vm1; domstate --reason vm1; resume vm1; destroy vm1; undefine vm1; list --all",
    { files: { "vm1.xml": VM1 }, stderr: true },
  );
});

Deno.test({ name: "virsh compat: net-list --all; net-dumpxml default", ignore }, async () => {
  await compare("net-list --all; net-dumpxml default", { stderr: true });
});

// More of the same, covering each command's output format.

const MORE = [
  "list; list --inactive; list --name; list --uuid; list --uuid --name; list --id; list --title",
  "dominfo test; domstate test; domname 1; domuuid test; domid 6695eb01-f6a4-8304-79aa-97f2502e193f",
  "vcpucount test; vcpucount --maximum test; vcpucount --config --active test; dommemstat test",
  "net-info default; net-uuid default; net-name dd8fe884-6c02-601e-7551-cca97df1c5df; net-list --name",
  "nodeinfo; capabilities; uri",
  "suspend 1; domstate --reason 1; resume test; autostart test; dominfo test; autostart --disable 1",
  "reboot test; domstate --reason test; shutdown test; domstate --reason test; list --all; start test; domid test",
  "destroy test; domstate --reason test; list --all --state-shutoff",
  "undefine test; dominfo test; list --persistent; list --transient",
];
for (const line of MORE) {
  Deno.test({ name: `virsh compat: ${line}`, ignore }, async () => {
    await compare(line);
  });
}

Deno.test({ name: "virsh compat: define then query a shut-off domain", ignore }, async () => {
  await compare(
    "define vm1.xml; dominfo vm1; vcpucount vm1; domid vm1; list --all; autostart vm1; list --autostart --all",
    {
      files: { "vm1.xml": VM1 },
    },
  );
});

Deno.test(
  { name: "virsh compat: create a transient domain and shut it down", ignore },
  async () => {
    await compare("create vm1.xml; list --transient; dominfo vm1; shutdown vm1; list --all", {
      files: { "vm1.xml": VM1 },
    });
  },
);

Deno.test(
  { name: "virsh compat: dumpxml of the default domain, live and inactive", ignore },
  async () => {
    await compare("dumpxml test; dumpxml --inactive test");
  },
);

const DEVICES = `<domain type='test'>
  <name>dev1</name>
  <uuid>7d1b6a3c-5e2f-4a10-9b8c-0d1e2f3a4b5c</uuid>
  <memory unit='MiB'>256</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/images/dev1.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:01'/>
      <source network='default'/>
    </interface>
    <video/>
    <memballoon model='virtio'/>
  </devices>
</domain>
`;

Deno.test(
  { name: "virsh compat: the test host's defaults for devices (arch, ifnames, video)", ignore },
  async () => {
    await compare("define dev1.xml; dumpxml dev1; start dev1; dumpxml dev1; dommemstat dev1", {
      files: { "dev1.xml": DEVICES },
    });
  },
);

Deno.test(
  { name: "virsh compat: failures print nothing on stdout but virsh's blank line", ignore },
  async () => {
    for (
      const line of [
        "dominfo nosuch",
        "frob",
        "list --bogus",
        "domstate",
        "domstate a b",
        "start test",
        "domid nosuch; list",
      ]
    ) {
      await compare(line);
    }
  },
);

const HOST = `<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <cpu>
    <mhz>6000</mhz>
    <model>i986</model>
    <active>50</active>
    <nodes>4</nodes>
    <sockets>4</sockets>
    <cores>4</cores>
    <threads>2</threads>
  </cpu>
  <memory>8192000</memory>
  <domain type='test'>
    <name>fv0</name>
    <uuid>4dea22b31d52d8f32516782e98ab3fa0</uuid>
    <memory>261072</memory>
    <os><type>hvm</type></os>
    <test:runstate>3</test:runstate>
  </domain>
  <domain type='test'>
    <name>fv1</name>
    <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa1</uuid>
    <memory>261072</memory>
    <os><type>hvm</type></os>
    <test:runstate>5</test:runstate>
  </domain>
  <domain file='tr.xml'/>
  <network>
    <name>n2</name>
    <uuid>11112222-3333-4444-5555-666677778888</uuid>
    <bridge name='br9'/>
    <ip address='10.0.0.1' netmask='255.0.0.0'/>
  </network>
</node>
`;
const TRANSIENT = `<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <name>tr</name>
  <uuid>99999999-8888-7777-6666-555544443333</uuid>
  <memory>261072</memory>
  <os><type>hvm</type></os>
  <test:transient/>
</domain>
`;

Deno.test({ name: "virsh compat: a custom host file (test:///PATH.xml)", ignore }, async () => {
  await compare(
    "list --all; nodeinfo; domstate --reason fv0; domstate --reason fv1; list --transient; net-list --all; net-info n2; dumpxml fv0; dumpxml tr",
    { uri: "test://$DIR/host.xml", files: { "host.xml": HOST, "tr.xml": TRANSIENT } },
  );
});
