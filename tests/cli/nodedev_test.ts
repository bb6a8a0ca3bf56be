/**
 * The node device commands end to end: on `test:///default` (libvirt's
 * test devices, compared with virsh where virsh answers), and on this
 * host through a QEMU connection to a throwaway embed root (listing, the
 * tree, capability filters, every device's XML against nodedev.rng,
 * detach refusals, and the mediated device lifecycle through a fake
 * mdevctl).
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { hasCommand, skipUnless } from "../skip.ts";
import { assertValid, NO_XMLLINT } from "../host/xmllint.ts";
import { cli, virsh } from "./run_cli.ts";

const TEST = "test:///default";

Deno.test("nodedev CLI on test:///default: list, tree, filters, info and XML", async () => {
  let r = await cli(["-c", TEST, "nodedev-list"]);
  assertEquals(r.stdout, "computer\nscsi_host1\nscsi_host11\nscsi_host2\n\n");
  r = await cli(["-c", TEST, "nodedev-list --cap fc_host; nodedev-list --cap vports,system"]);
  assertEquals(
    r.stdout,
    "scsi_host1\nscsi_host11\nscsi_host2\n\ncomputer\nscsi_host1\nscsi_host2\n\n",
  );
  r = await cli(["-c", TEST, "nodedev-list --inactive"]);
  assertEquals(r.stdout, "\n");
  r = await cli(["-c", TEST, "nodedev-list --tree"]);
  assertEquals(
    r.stdout,
    "computer\n" +
      "  |\n" +
      "  +- scsi_host1\n" +
      "  |   |\n" +
      "  |   +- scsi_host11\n" +
      "  |     \n" +
      "  +- scsi_host2\n" +
      "    \n\n",
  );
  r = await cli(["-c", TEST, "nodedev-list --cap pci,nosuch"]);
  assertEquals([r.code, r.stderr], [1, "error: Invalid capability type\n"]);
  r = await cli(["-c", TEST, "nodedev-list --tree --cap pci"]);
  assertEquals(r.stderr, "error: Option --tree is incompatible with --cap and --inactive\n");

  r = await cli(["-c", TEST, "nodedev-info scsi_host11"]);
  assertEquals(
    r.stdout,
    "Name:           scsi_host11\nParent:         scsi_host1\nActive:         yes\n" +
      "Persistent:     yes\nAutostart:      no autostart\n\n",
  );
  r = await cli(["-c", TEST, "nodedev-dumpxml", "scsi_host11"]);
  assertEquals(
    r.stdout,
    `<device>
  <name>scsi_host11</name>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <host>11</host>
    <unique_id>10</unique_id>
    <capability type='fc_host'>
      <wwnn>2000000034563456</wwnn>
      <wwpn>1000000034563456</wwpn>
      <fabric_wwn>2000000043214321</fabric_wwn>
    </capability>
  </capability>
</device>

`,
  );
  r = await cli(["-c", TEST, "nodedev-dumpxml", "nosuch"]);
  assertEquals(r.code, 1);
  assertEquals(
    r.stderr,
    "error: Could not find matching device 'nosuch': Node device not found: no node device with matching name 'nosuch'\n",
  );
  r = await cli(["-c", TEST, "nodedev-detach", "scsi_host1"]);
  assertEquals(
    r.stderr,
    "error: Failed to detach device scsi_host1: this function is not supported by the connection driver: virNodeDeviceDettach\n",
  );
});

Deno.test({
  name: "nodedev CLI on test:///default: the same output as virsh",
  ignore: skipUnless(
    hasCommand("virsh"),
    "virsh is not installed (apt-get install libvirt-clients)",
  ),
  async fn() {
    for (const dev of ["computer", "scsi_host1", "scsi_host2", "scsi_host11"]) {
      for (const cmd of ["nodedev-dumpxml", "nodedev-info"]) {
        const [ours, theirs] = await Promise.all([
          cli(["-c", TEST, cmd, dev]),
          virsh(["-c", TEST, cmd, dev]),
        ]);
        assertEquals(ours.stdout, theirs.stdout, `${cmd} ${dev}`);
        assertEquals(ours.code, theirs.code, `${cmd} ${dev}`);
      }
    }
  },
});

async function withEmbed(fn: (dir: string, uri: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-nodedev-cli-" });
  try {
    await fn(dir, `qemu:///embed?root=${dir}/root`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** libvirt's names of this host's PCI functions. */
async function pciNames(): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir("/sys/bus/pci/devices")) {
    out.push("pci_" + e.name.replace(/[:.]/g, "_"));
  }
  return out.sort();
}

/** The lines of a listing, without the blank line after it. */
async function listing(uri: string, command: string): Promise<string[]> {
  const r = await cli(["-q", "-c", uri, command]);
  assertEquals(r.code, 0, r.stderr);
  return r.stdout.split("\n").filter((l) => l.trim());
}

Deno.test("nodedev CLI on this host: list, tree and capability filters", async () => {
  await withEmbed(async (_dir, uri) => {
    const flat = await listing(uri, "nodedev-list");
    assert(flat.includes("computer"), flat.join(" "));
    const pci = await listing(uri, "nodedev-list --cap pci");
    assertEquals(pci, await pciNames());
    for (const p of pci) assert(flat.includes(p), `${p} is listed`);
    const net = await listing(uri, "nodedev-list --cap net");
    assert(net.length > 0 && net.every((n) => n.startsWith("net_") && flat.includes(n)));
    // The tree starts at computer and shows every device exactly once.
    const tree = await listing(uri, "nodedev-list --tree");
    assertEquals(tree[0], "computer");
    const named = tree.filter((l) => l.includes("+- ")).map((l) => l.split("+- ")[1]);
    assertEquals([...named, "computer"].sort(), [...flat].sort());
  });
});

Deno.test({
  name: "nodedev CLI on this host: every device's XML validates against nodedev.rng",
  ignore: NO_XMLLINT,
  async fn() {
    await withEmbed(async (_dir, uri) => {
      const names = (await cli(["-q", "-c", uri, "nodedev-list"])).stdout.split("\n").filter((l) =>
        l
      );
      const r = await cli(["-q", "-c", uri, names.map((n) => `nodedev-dumpxml ${n}`).join("; ")]);
      assertEquals(r.code, 0, r.stderr);
      const docs = r.stdout.split(/(?<=<\/device>\n)/).filter((d) => d.trim());
      assertEquals(docs.length, names.length);
      docs.forEach((d, i) => assertMatch(d, new RegExp(`^<device>\n  <name>${names[i]}</name>\n`)));
      await assertValid("nodedev.rng", new Map(names.map((n, i) => [n, docs[i]])));
    });
  },
});

Deno.test("nodedev CLI on this host: info, and detach refusals that touch nothing", async () => {
  await withEmbed(async (_dir, uri) => {
    let r = await cli(["-c", uri, "nodedev-info", "computer"]);
    assertEquals(
      r.stdout,
      "Name:           computer\nParent:         \nActive:         yes\nPersistent:     yes\nAutostart:      yes\n\n",
    );
    r = await cli(["-c", uri, "nodedev-list --cap net"]);
    const net = r.stdout.split("\n").find((l) => l.startsWith("net_lo_"));
    assert(net, "the loopback interface is listed");
    r = await cli(["-c", uri, "nodedev-detach", net]);
    assertEquals(r.code, 1);
    assertMatch(r.stderr, /^error: Failed to detach device net_lo_.*not a PCI device/);
    r = await cli(["-c", uri, "nodedev-detach", "pci_0000_00_00_0", "--driver", "xen"]);
    assertEquals(r.code, 1);
    assertMatch(r.stderr, /unknown PCI device assignment backend 'xen'/);
    // Only where the kernel has no IOMMU groups is it safe to ask for a real PCI device here.
    let iommu = false;
    try {
      for (const _ of Deno.readDirSync("/sys/kernel/iommu_groups")) iommu = true;
    } catch {
      // no IOMMU support at all
    }
    if (!iommu) {
      const pci = (await pciNames())[0];
      r = await cli(["-c", uri, "nodedev-detach", pci]);
      assertEquals(r.code, 1);
      assertMatch(r.stderr, /has no IOMMU group/);
    }
  });
});

/** A stand-in for mdevctl that keeps its definitions in `state`. */
function fakeMdevctl(state: string): string {
  return `#!/bin/bash
set -e
S=${state}
cmd=$1; shift
uuid= parent= type= start=
while [ $# -gt 0 ]; do
  case $1 in
    --uuid) uuid=$2; shift ;;
    --parent) parent=$2; shift ;;
    --type) type=$2; shift ;;
    --auto) start=auto ;;
    --manual) start=manual ;;
  esac
  shift
done
echo "$cmd $uuid $start" >> $S/log
case $cmd in
  define) echo "$parent" > $S/$uuid.parent; echo "$type" > $S/$uuid.type; echo "\${start:-manual}" > $S/$uuid.start ;;
  undefine) rm $S/$uuid.parent $S/$uuid.type $S/$uuid.start ;;
  modify) echo "$start" > $S/$uuid.start ;;
  start|stop) ;;
  list)
    sep=
    printf '['
    for f in $S/*.parent; do
      [ -e "$f" ] || continue
      u=$(basename $f .parent)
      printf '%s{"%s":[{"%s":{"mdev_type":"%s","start":"%s"}}]}' "$sep" "$(cat $f)" "$u" "$(cat $S/$u.type)" "$(cat $S/$u.start)"
      sep=,
    done
    printf ']\\n' ;;
esac
`;
}

Deno.test({
  name: "nodedev CLI on this host: mediated devices through mdevctl",
  async fn() {
    await withEmbed(async (dir, uri) => {
      const bin = `${dir}/bin`;
      const state = `${dir}/mdev`;
      await Deno.mkdir(bin);
      await Deno.mkdir(state);
      await Deno.writeTextFile(`${bin}/mdevctl`, fakeMdevctl(state), { mode: 0o755 });
      const env = { PATH: `${bin}:${Deno.env.get("PATH")}` };
      const parent = (await pciNames())[0];
      const parentAddr = parent.slice(4).replace(
        /^([0-9a-f]{4})_([0-9a-f]{2})_([0-9a-f]{2})_([0-7])$/,
        "$1:$2:$3.$4",
      );
      const uuid = "8a6f1b36-9a1d-4d7e-9d6c-1c1e4c2a9f01";
      const name = `mdev_${uuid.replace(/-/g, "_")}_${parentAddr.replace(/[:.]/g, "_")}`;
      await Deno.writeTextFile(
        `${dir}/mdev.xml`,
        `<device>
  <parent>${parent}</parent>
  <capability type='mdev'>
    <type id='fake-type-1'/>
    <uuid>${uuid}</uuid>
  </capability>
</device>
`,
      );
      let r = await cli(["-c", uri, "nodedev-define", "mdev.xml"], { env, cwd: dir });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, `Node device '${name}' defined from 'mdev.xml'\n\n`);
      r = await cli(["-c", uri, "nodedev-list --inactive; nodedev-info " + name], { env });
      assertEquals(
        r.stdout,
        `${name}\n\nName:           ${name}\nParent:         ${parent}\nActive:         no\n` +
          "Persistent:     yes\nAutostart:      no\n\n",
      );
      r = await cli([
        "-c",
        uri,
        `nodedev-autostart ${name}; nodedev-start ${name}; nodedev-undefine ${name}`,
      ], {
        env,
      });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(
        r.stdout,
        `Device ${name} marked as autostarted\n\nDevice ${name} started\n\nUndefined node device '${name}'\n\n`,
      );
      const log = (await Deno.readTextFile(`${state}/log`)).split("\n").filter((l) =>
        !l.startsWith("list")
      );
      assertEquals(log, [
        `define ${uuid} `,
        `modify ${uuid} auto`,
        `start ${uuid} `,
        `undefine ${uuid} `,
        "",
      ]);
      r = await cli(["-c", uri, "nodedev-list --inactive"], { env });
      assertEquals(r.stdout, "\n");
      // Only mediated devices have a lifecycle.
      r = await cli(["-c", uri, "nodedev-destroy", parent], { env });
      assertEquals(r.code, 1);
      assertMatch(r.stderr, /^error: Failed to destroy node device '.*': .*not a mediated device/);
    });
  },
});

Deno.test({
  name: "nodedev CLI on this host: without mdevctl, mediated devices are not supported",
  ignore: hasCommand("mdevctl"),
  async fn() {
    await withEmbed(async (dir, uri) => {
      await Deno.writeTextFile(
        `${dir}/m.xml`,
        "<device><parent>pci_0000_00_00_0</parent><capability type='mdev'><type id='t'/></capability></device>\n",
      );
      const r = await cli(["-c", uri, "nodedev-define", "m.xml"], { cwd: dir });
      assertEquals(r.code, 1);
      assertMatch(r.stderr, /^error: Failed to define node device from 'm\.xml': .*mdevctl/);
    });
  },
});
