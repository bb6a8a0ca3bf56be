/**
 * Opening a guest's console, serial or parallel device: the terminal QEMU
 * allocated for a `pty` character device (QEMU already put it in raw mode),
 * as a pair of streams.
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import type { ConsoleStream } from "../../src/connect.ts";
import type { DomainDef } from "../../src/conf/domain/def.ts";
import type { ChrDef } from "../../src/conf/domain/devices/chardev.ts";

/**
 * The character device a console session attaches to: the one whose alias
 * is `devname`, or the first console (which is usually the first serial
 * port), or the first serial port.
 */
export function consoleDevice(def: DomainDef, devname: string | undefined): ChrDef {
  const d = def.devices;
  const all = [...d.consoles, ...d.serials, ...d.parallels, ...d.channels];
  let dev: ChrDef | undefined;
  if (devname !== undefined) {
    dev = all.find((c) => c.info.alias === devname);
    if (!dev) throw new VirtError("invalid-arg", "qemu", `cannot find character device ${devname}`);
  } else {
    const first = d.consoles[0];
    dev = first?.kind === "console" && first.mirrors ? first.mirrors : first ?? d.serials[0];
    if (!dev) {
      throw new VirtError("operation-invalid", "qemu", "cannot find a default console device");
    }
  }
  return dev;
}

/**
 * Opens the pty behind a console device.
 *
 * @throws VirtError `operation-unsupported` when the device is not a pty
 */
export async function openConsole(
  def: DomainDef,
  devname: string | undefined,
): Promise<ConsoleStream> {
  const dev = consoleDevice(def, devname);
  const name = devname ?? dev.info.alias ?? dev.kind;
  if (dev.source.type !== "pty" || !dev.source.path) {
    throw new VirtError(
      "operation-unsupported",
      "qemu",
      `character device ${name} is not using a PTY`,
    );
  }
  const file = await Deno.open(dev.source.path, { read: true, write: true });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      file.close();
    } catch { /* already closed */ }
  };
  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buf = new Uint8Array(4096);
      let n: number | null;
      try {
        n = closed ? null : await file.read(buf);
      } catch {
        n = null; // EIO: QEMU closed its side.
      }
      if (n === null) {
        controller.close();
        return;
      }
      controller.enqueue(buf.subarray(0, n));
    },
    cancel: close,
  }, { highWaterMark: 0 }); // read only when asked: no read left pending on a closed device
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      let off = 0;
      while (off < chunk.length) off += await file.write(chunk.subarray(off));
    },
    close,
    abort: close,
  });
  return { readable, writable, close };
}
