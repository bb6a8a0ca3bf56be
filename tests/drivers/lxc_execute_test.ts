/**
 * A config written by domainToLxcConfig runs under the real lxc-tools: a
 * busybox root filesystem, a read-only bind mount and a sized tmpfs, started
 * with `lxc-execute`. Needs root, lxc-execute and a static busybox (Debian's
 * `lxc` and `busybox-static`).
 */
import { assertEquals } from "../assert.ts";
import { hasCommand, skipUnless } from "../skip.ts";
import { domainToLxcConfig, parseDomainXml } from "../../mod.ts";

const BUSYBOX = ["/bin/busybox", "/usr/bin/busybox"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

function isStatic(path: string | undefined): boolean {
  if (!path) return false;
  // A dynamically linked ELF names its interpreter (/lib64/ld-linux...); a static one does not.
  const head = Deno.readFileSync(path).subarray(0, 65536);
  return !new TextDecoder("latin1").decode(head).includes("/ld-linux");
}

const ready = Deno.uid() === 0 && hasCommand("lxc-execute") && isStatic(BUSYBOX);

Deno.test({
  name: "lxc-execute runs a busybox container from a generated config",
  ignore: skipUnless(
    ready,
    "needs root, lxc-execute and a static busybox (Debian: lxc, busybox-static)",
  ),
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "virtkit-lxc-" });
    try {
      const root = `${work}/rootfs`;
      const shared = `${work}/shared`;
      for (const d of ["bin", "proc", "sys", "dev", "tmp", "mnt", "etc"]) {
        await Deno.mkdir(`${root}/${d}`, { recursive: true });
      }
      await Deno.mkdir(shared);
      await Deno.copyFile(BUSYBOX!, `${root}/bin/busybox`);
      await Deno.chmod(`${root}/bin/busybox`, 0o755);
      await Deno.symlink("busybox", `${root}/bin/sh`);
      const marker = `MARKER-${crypto.randomUUID()}`;
      await Deno.writeTextFile(`${shared}/shared.txt`, `${marker}-shared\n`);

      const name = `vk${crypto.randomUUID().slice(0, 8)}`;
      const def = parseDomainXml(`<domain type='lxc'>
  <name>${name}</name>
  <memory unit='KiB'>65536</memory>
  <os>
    <type>exe</type>
    <init>/bin/sh</init>
  </os>
  <features>
    <privnet/>
    <capabilities policy='allow'/>
  </features>
  <devices>
    <emulator>/usr/libexec/libvirt_lxc</emulator>
    <filesystem type='mount'>
      <source dir='${root}'/>
      <target dir='/'/>
    </filesystem>
    <filesystem type='mount'>
      <source dir='${shared}'/>
      <target dir='/mnt'/>
      <readonly/>
    </filesystem>
    <filesystem type='ram'>
      <source usage='4096' units='KiB'/>
      <target dir='/tmp'/>
    </filesystem>
  </devices>
</domain>
`);
      const { config, warnings } = domainToLxcConfig(def);
      assertEquals(warnings, []);
      const configFile = `${work}/config`;
      await Deno.writeTextFile(configFile, config);

      const script = [
        `echo ${marker}`,
        "hostname",
        "cat /mnt/shared.txt",
        "touch /mnt/nope 2>/dev/null || echo READONLY",
        "stat -f -c '%b %S %T' /tmp",
        "ip -o link | wc -l",
      ].map((c) => c.replace(/(^|[|;] *)(\w)/g, "$1/bin/busybox $2")).join("; ");
      const out = await new Deno.Command("lxc-execute", {
        args: [
          "-n",
          name,
          "-P",
          work,
          "-f",
          configFile,
          "-l",
          "INFO",
          "-o",
          `${work}/lxc.log`,
          "--",
          "/bin/busybox",
          "sh",
          "-c",
          script,
        ],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(60_000),
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      const log = () =>
        `config:\n${config}\nstderr:\n${new TextDecoder().decode(out.stderr)}\nlog:\n${
          safeRead(`${work}/lxc.log`)
        }`;
      assertEquals(out.code, 0, log());
      const lines = text.trim().split("\n");
      assertEquals(lines.slice(0, 4), [marker, name, `${marker}-shared`, "READONLY"], log());
      // The tmpfs: total blocks, block size and type from statfs (no /proc needed).
      const [blocks, blockSize, fsType] = (lines[4] ?? "").split(" ");
      assertEquals([Number(blocks) * Number(blockSize) / 1024, fsType], [4096, "tmpfs"], log());
      // <privnet/> and no interface: a network namespace of its own, with loopback only.
      assertEquals(lines[5], "1", log());
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

function safeRead(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "(none)";
  }
}
