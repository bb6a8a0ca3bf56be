/**
 * Runs `main.ts` as a separate process, for the end-to-end CLI tests of
 * secrets, node devices and the host.
 */

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** What one run printed and its exit status. */
export interface CliRun {
  stdout: string;
  stderr: string;
  code: number;
  /** Standard output as bytes (raw secret values). */
  bytes: Uint8Array;
}

/** Options of {@link cli}. */
export interface CliOptions {
  /** Written to standard input, then closed; without it standard input is empty. */
  stdin?: string | Uint8Array;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Working folder. */
  cwd?: string;
}

/** Runs `deno run -A main.ts ARGS...` and collects its output. */
export async function cli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: opts.cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C", ...opts.env },
  }).spawn();
  const w = child.stdin.getWriter();
  if (opts.stdin !== undefined) {
    await w.write(
      typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin,
    );
  }
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    code: out.code,
    bytes: out.stdout,
  };
}

/** Runs `virsh ARGS...` (with `LC_ALL=C`) and collects its output. */
export async function virsh(args: string[], cwd?: string): Promise<CliRun> {
  const out = await new Deno.Command("virsh", {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C" },
  }).output();
  const dec = new TextDecoder();
  return {
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    code: out.code,
    bytes: out.stdout,
  };
}
