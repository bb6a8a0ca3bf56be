/**
 * Persistent mediated devices through `mdevctl`, the tool that defines,
 * starts and stops them (libvirt uses it too). Every call fails with
 * `no-support` when the tool is not installed.
 *
 * @example
 * ```ts
 * const uuid = await mdevDefine({ parent: "0000:00:02.0", type: "i915-GVTg_V5_4" });
 * await mdevStart(uuid);
 * ```
 * @module
 */
import { VirtError } from "../../errors.ts";
import { parseUuid } from "../../conf/ids.ts";

/** Where to find the tool; tests point it at a fake script. */
export interface MdevctlOptions {
  /** The program to run; default `mdevctl` found in `PATH`. */
  bin?: string;
}

/** A mediated device mdevctl knows about. */
export interface MdevctlDevice {
  uuid: string;
  /** The parent device's sysfs name, e.g. `0000:00:02.0`. */
  parent: string;
  type: string;
  /** Started automatically when the parent appears. */
  autostart: boolean;
  /** Vendor-specific attributes, in order. */
  attrs: { name: string; value: string }[];
}

/** The mdevctl program: the option, else the first `mdevctl` in `PATH`, else undefined. */
export async function findMdevctl(opts: MdevctlOptions = {}): Promise<string | undefined> {
  if (opts.bin) return opts.bin;
  for (const dir of (Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    if (!dir) continue;
    try {
      const st = await Deno.stat(`${dir}/mdevctl`);
      if (st.isFile && (st.mode ?? 0) & 0o111) return `${dir}/mdevctl`;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function run(args: string[], opts: MdevctlOptions): Promise<string> {
  const bin = await findMdevctl(opts);
  if (!bin) {
    throw new VirtError(
      "no-support",
      "nodedev",
      "mediated devices need mdevctl, which is not installed on this host",
    );
  }
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(bin, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    throw new VirtError(
      "operation-failed",
      "nodedev",
      `mdevctl ${args[0]} failed: cannot run '${bin}': ${(e as Error).message}`,
    );
  }
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).trim() || `exit status ${out.code}`;
    throw new VirtError("operation-failed", "nodedev", `mdevctl ${args[0]} failed: ${why}`);
  }
  return new TextDecoder().decode(out.stdout);
}

function checkUuid(uuid: string): string {
  const u = parseUuid(uuid);
  if (!u) throw new VirtError("invalid-arg", "nodedev", `malformed mediated device UUID '${uuid}'`);
  return u;
}

/**
 * The mediated devices mdevctl has definitions for (`--defined`) or that
 * exist now. Empty when mdevctl is not installed.
 */
export async function mdevList(
  defined: boolean,
  opts: MdevctlOptions = {},
): Promise<MdevctlDevice[]> {
  if (!await findMdevctl(opts)) return [];
  const text = await run(["list", ...(defined ? ["--defined"] : []), "--dumpjson"], opts);
  if (!text.trim()) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new VirtError(
      "operation-failed",
      "nodedev",
      "mdevctl list printed something other than JSON",
    );
  }
  // One object per parent, or an array of them: { "PARENT": [ { "UUID": { mdev_type, start, attrs } } ] }
  const parents = Array.isArray(json) ? json : [json];
  const out: MdevctlDevice[] = [];
  for (const byParent of parents as Record<string, Record<string, Record<string, unknown>>[]>[]) {
    for (const [parent, devices] of Object.entries(byParent ?? {})) {
      for (const entry of devices ?? []) {
        for (const [uuid, d] of Object.entries(entry)) {
          const attrs = (Array.isArray(d.attrs) ? d.attrs : []) as Record<string, string>[];
          out.push({
            uuid,
            parent,
            type: String(d.mdev_type ?? ""),
            autostart: d.start === "auto",
            attrs: attrs.flatMap((a) =>
              Object.entries(a).map(([name, value]) => ({ name, value: String(value) }))
            ),
          });
        }
      }
    }
  }
  return out;
}

/**
 * Define a persistent mediated device.
 *
 * @returns its UUID (generated when not given)
 */
export async function mdevDefine(
  dev: { parent: string; type: string; uuid?: string; autostart?: boolean },
  opts: MdevctlOptions = {},
): Promise<string> {
  const uuid = dev.uuid ? checkUuid(dev.uuid) : crypto.randomUUID();
  await run([
    "define",
    "--uuid",
    uuid,
    "--parent",
    dev.parent,
    "--type",
    dev.type,
    ...(dev.autostart ? ["--auto"] : []),
  ], opts);
  return uuid;
}

/** Start a defined mediated device. */
export async function mdevStart(uuid: string, opts: MdevctlOptions = {}): Promise<void> {
  await run(["start", "--uuid", checkUuid(uuid)], opts);
}

/** Stop (remove from the host) a running mediated device; its definition stays. */
export async function mdevStop(uuid: string, opts: MdevctlOptions = {}): Promise<void> {
  await run(["stop", "--uuid", checkUuid(uuid)], opts);
}

/** Remove a mediated device's definition. */
export async function mdevUndefine(uuid: string, opts: MdevctlOptions = {}): Promise<void> {
  await run(["undefine", "--uuid", checkUuid(uuid)], opts);
}

/** Start a defined mediated device with the host (`--auto`) or only on request (`--manual`). */
export async function mdevSetAutostart(
  uuid: string,
  on: boolean,
  opts: MdevctlOptions = {},
): Promise<void> {
  await run(["modify", "--uuid", checkUuid(uuid), on ? "--auto" : "--manual"], opts);
}
