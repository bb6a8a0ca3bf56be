/**
 * Atomic file replacement: the new content lands whole with the requested
 * permissions, and every failure leaves the old file and no temporary file.
 */
import { assertEquals, assertRejects } from "../assert.ts";
import { writeFileAtomic } from "../../src/state/atomic.ts";
import { VirtError } from "../../src/errors.ts";

async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

function systemError(pattern: RegExp) {
  return (e: unknown) =>
    e instanceof VirtError && e.code === "system-error" && pattern.test(e.message);
}

Deno.test("atomic: creates parent folders 0700 and the file with the exact mode", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/a/b/obj.xml`;
    await writeFileAtomic(path, "<domain/>\n");
    assertEquals(await Deno.readTextFile(path), "<domain/>\n");
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(`${root}/a`)).mode! & 0o777, 0o700);
    assertEquals((await Deno.stat(`${root}/a/b`)).mode! & 0o777, 0o700);
    await writeFileAtomic(path, new TextEncoder().encode("bytes"), { mode: 0o644 });
    assertEquals(await Deno.readTextFile(path), "bytes");
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o644);
    assertEquals(await entries(`${root}/a/b`), ["obj.xml"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("atomic: replacing keeps other names pointing at the old inode untouched", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/obj.xml`;
    await writeFileAtomic(path, "old");
    await Deno.link(path, `${root}/hardlink`);
    await writeFileAtomic(path, "new");
    assertEquals(await Deno.readTextFile(path), "new");
    assertEquals(await Deno.readTextFile(`${root}/hardlink`), "old");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("atomic: a stream failing half-way leaves the old file and no temp file", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/obj.xml`;
    await writeFileAtomic(path, "old content");
    const failing = new ReadableStream<Uint8Array>({
      pull(ctl) {
        ctl.enqueue(new TextEncoder().encode("<domain>half"));
        ctl.error(new Error("disk on fire"));
      },
    });
    await assertRejects(
      writeFileAtomic(path, failing),
      systemError(/cannot write '.*\/obj\.xml': disk on fire/),
    );
    assertEquals(await Deno.readTextFile(path), "old content");
    assertEquals(await entries(root), ["obj.xml"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("atomic: a failing rename leaves the target and no temp file", async () => {
  const root = await Deno.makeTempDir();
  try {
    // Renaming a file over a non-empty folder fails, even for root.
    const path = `${root}/obj.xml`;
    await Deno.mkdir(path);
    await Deno.writeTextFile(`${path}/inside`, "keep");
    await assertRejects(writeFileAtomic(path, "new"), systemError(/cannot write '.*\/obj\.xml'/));
    assertEquals(await Deno.readTextFile(`${path}/inside`), "keep");
    assertEquals(await entries(root), ["obj.xml"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("atomic: a file in the way of the parent folder is an error", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${root}/etc`, "not a folder");
    await assertRejects(
      writeFileAtomic(`${root}/etc/qemu/x.xml`, "new"),
      systemError(/cannot create folder/),
    );
    assertEquals(await Deno.readTextFile(`${root}/etc`), "not a folder");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "atomic: a read-only folder refuses the write and the old file stays",
  ignore: Deno.uid() === 0, // root writes into read-only folders anyway
  async fn() {
    const root = await Deno.makeTempDir();
    try {
      const path = `${root}/obj.xml`;
      await writeFileAtomic(path, "old");
      await Deno.chmod(root, 0o500);
      await assertRejects(writeFileAtomic(path, "new"), systemError(/cannot write/));
      await Deno.chmod(root, 0o700);
      assertEquals(await Deno.readTextFile(path), "old");
      assertEquals(await entries(root), ["obj.xml"]);
    } finally {
      await Deno.chmod(root, 0o700);
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("atomic: a path without a file name is refused", async () => {
  await assertRejects(
    writeFileAtomic("/tmp/", "x"),
    (e: unknown) =>
      e instanceof VirtError && e.code === "invalid-arg" && /not a file name/.test(e.message),
  );
});
