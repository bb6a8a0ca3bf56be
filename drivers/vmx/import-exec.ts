/**
 * Carrying out a VMX import plan (`import.ts`): what the planner needs from
 * the host (files, UEFI firmware descriptors), and the disk conversions with
 * `qemu-img convert -p`, whose progress is reported as it goes. Either every
 * file of the plan is written, or none is left behind.
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import type { DiskConversion, ImportFileProbe, UefiFirmware, VmxImportPlan } from "./import.ts";
import { qemuImgConvertArgs } from "./import.ts";
import { dirnameOf } from "./local-files.ts";

/** Where QEMU firmware descriptors live, most important first (QEMU's firmware spec). */
export const FIRMWARE_DIRS = ["/etc/qemu/firmware", "/usr/share/qemu/firmware"];

/** The planner's file probe for this host. */
export function localFileProbe(): ImportFileProbe {
  return {
    exists(path) {
      try {
        Deno.statSync(path);
        return true;
      } catch {
        return false;
      }
    },
    vmdkDescriptor(path) {
      let f: Deno.FsFile | undefined;
      try {
        f = Deno.openSync(path);
        if (f.statSync().size > 1024 * 1024) return undefined;
        const head = new Uint8Array(21);
        const n = f.readSync(head) ?? 0;
        if (new TextDecoder().decode(head.subarray(0, n)) !== "# Disk DescriptorFile") {
          return undefined;
        }
        return Deno.readTextFileSync(path);
      } catch {
        return undefined;
      } finally {
        f?.close();
      }
    },
  };
}

/**
 * Reads the UEFI firmware descriptors for x86_64 (JSON files in `dirs`; a
 * file in an earlier folder hides one of the same name in a later folder),
 * in file-name order. Descriptors that do not parse are skipped.
 */
export async function loadUefiFirmware(dirs = FIRMWARE_DIRS): Promise<UefiFirmware[]> {
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    try {
      for await (const e of Deno.readDir(dir)) {
        if (e.name.endsWith(".json") && !byName.has(e.name)) byName.set(e.name, `${dir}/${e.name}`);
      }
    } catch { /* folder missing */ }
  }
  const out: UefiFirmware[] = [];
  for (const name of [...byName.keys()].sort()) {
    const path = byName.get(name)!;
    try {
      const fw = readDescriptor(path, JSON.parse(await Deno.readTextFile(path)));
      if (fw) out.push(fw);
    } catch { /* not a descriptor */ }
  }
  return out;
}

/** A descriptor (QEMU's `docs/interop/firmware.json`) as firmware, when it is x86_64 UEFI on flash. */
function readDescriptor(path: string, d: Record<string, unknown>): UefiFirmware | undefined {
  const types = d["interface-types"] as string[] | undefined;
  const mapping = d.mapping as Record<string, Record<string, string>> | undefined;
  const features = (d.features as string[] | undefined) ?? [];
  const targets = (d.targets as { architecture: string; machines: string[] }[] | undefined) ?? [];
  const x86 = targets.find((t) => t.architecture === "x86_64");
  if (!types?.includes("uefi") || !mapping || (mapping.device as unknown) !== "flash" || !x86) {
    return undefined;
  }
  const code = mapping.executable?.filename;
  const vars = mapping["nvram-template"]?.filename;
  if (!code || !vars) return undefined;
  return {
    descriptor: path,
    code,
    varsTemplate: vars,
    format: mapping.executable.format ?? "raw",
    machines: x86.machines,
    secureBoot: features.includes("secure-boot"),
    enrolledKeys: features.includes("enrolled-keys"),
    requiresSmm: features.includes("requires-smm"),
  };
}

/**
 * The percentages in a piece of `qemu-img -p` output (`    (42.00/100%)\r`).
 *
 * @example
 * ```ts
 * parseQemuImgProgress("    (0.00/100%)\r    (12.50/100%)\r"); // [0, 12.5]
 * ```
 */
export function parseQemuImgProgress(text: string): number[] {
  return [...text.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)].map((m) => Number(m[1]));
}

/** What {@link executeVmxImport} reports while it works. */
export interface ImportProgress {
  /** A conversion starts (`index` counts from 0 of `count`). */
  start?(c: DiskConversion, index: number, count: number): void;
  /** qemu-img reported progress, in percent. */
  progress?(c: DiskConversion, percent: number): void;
  /** A conversion finished. */
  done?(c: DiskConversion): void;
}

/** Options of {@link executeVmxImport}. */
export interface ExecuteOptions {
  /** The qemu-img binary (default `qemu-img` on the PATH). */
  qemuImg?: string;
  progress?: ImportProgress;
}

/**
 * Converts the plan's disks and copies its files. Each image is written
 * under a temporary name and renamed when complete; when anything fails,
 * every file written so far is removed and the error names the disk.
 *
 * @throws VirtError `operation-failed` naming the image and quoting qemu-img
 */
export async function executeVmxImport(
  plan: VmxImportPlan,
  opts: ExecuteOptions = {},
): Promise<void> {
  const written: string[] = [];
  try {
    for (const [i, c] of plan.conversions.entries()) {
      await Deno.mkdir(dirnameOf(c.target), { recursive: true });
      opts.progress?.start?.(c, i, plan.conversions.length);
      const part = partName(c.target);
      written.push(part);
      await runQemuImg(
        opts.qemuImg ?? "qemu-img",
        { ...c, target: part },
        (p) => opts.progress?.progress?.(c, p),
      );
      await Deno.rename(part, c.target);
      written.push(c.target);
      opts.progress?.done?.(c);
    }
    for (const copy of plan.copies) {
      await Deno.mkdir(dirnameOf(copy.target), { recursive: true });
      written.push(copy.target);
      await Deno.copyFile(copy.source, copy.target);
      await Deno.chmod(copy.target, 0o600);
    }
  } catch (e) {
    await removeFiles(written);
    throw e;
  }
}

/** Removes what {@link executeVmxImport} wrote for `plan` (after a later step failed). */
export async function removeImportOutputs(plan: VmxImportPlan): Promise<void> {
  await removeFiles([
    ...plan.conversions.map((c) => c.target),
    ...plan.copies.map((c) => c.target),
  ]);
}

async function removeFiles(paths: string[]): Promise<void> {
  for (const p of paths) {
    try {
      await Deno.remove(p);
    } catch { /* not there */ }
  }
}

/** `DIR/.NAME.part`: where an image is written until it is complete. */
function partName(target: string): string {
  const dir = dirnameOf(target);
  return `${dir}/.${target.slice(dir.length + 1)}.part`;
}

async function runQemuImg(
  binary: string,
  c: DiskConversion,
  onProgress: (percent: number) => void,
): Promise<void> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(binary, {
      args: qemuImgConvertArgs(c),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    throw new VirtError(
      "operation-failed",
      "vmx",
      `cannot run '${binary}' to convert '${c.source}': ${(e as Error).message}`,
    );
  }
  const stderr = new Response(child.stderr).text();
  const decoder = new TextDecoder();
  let last = -1;
  let pending = ""; // a report may be split across reads: parse whole `\r`-ended ones
  for await (const chunk of child.stdout) {
    pending += decoder.decode(chunk, { stream: true });
    const end = Math.max(pending.lastIndexOf("\r"), pending.lastIndexOf("\n"));
    if (end < 0) continue;
    for (const p of parseQemuImgProgress(pending.slice(0, end))) {
      if (p !== last) onProgress(p);
      last = p;
    }
    pending = pending.slice(end + 1);
  }
  const status = await child.status;
  const err = (await stderr).trim();
  if (!status.success) {
    throw new VirtError(
      "operation-failed",
      "vmx",
      `qemu-img could not convert '${c.source}'${
        err ? `: ${err.split("\n").slice(-3).join(" ")}` : ""
      }`,
    );
  }
}
