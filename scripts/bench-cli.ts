/**
 * Start-up benchmark: `virtkit -c test:///default list` (run as
 * `deno run -A main.ts`, or a compiled binary given with `--bin PATH`)
 * against `virsh -c test:///default list`, run alternately so both see the
 * same machine load. Prints each side's median and mean wall time and the
 * ratio of the medians. Never asserts a timing.
 *
 * Usage: deno run -A scripts/bench-cli.ts [--runs N] [--bin PATH] [COMMAND...]
 * @module
 */

const args = [...Deno.args];
let runs = 30;
let bin: string | undefined;
for (let i = 0; i < args.length;) {
  if (args[i] === "--runs") {
    runs = Number(args[i + 1]);
    args.splice(i, 2);
  } else if (args[i] === "--bin") {
    bin = args[i + 1];
    args.splice(i, 2);
  } else i++;
}
const command = args.length ? args : ["list"];
const root = new URL("..", import.meta.url).pathname;

const ours: [string, string[]] = bin
  ? [bin, ["-c", "test:///default", ...command]]
  : [Deno.execPath(), ["run", "-A", `${root}main.ts`, "-c", "test:///default", ...command]];
const theirs: [string, string[]] = ["virsh", ["-c", "test:///default", ...command]];

async function once([cmd, argv]: [string, string[]]): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "piped" })
    .output();
  const ms = performance.now() - start;
  if (!out.success) {
    throw new Error(`${cmd} ${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return ms;
}

function stats(xs: number[]): { median: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, mean: xs.reduce((a, b) => a + b, 0) / xs.length };
}

async function hasVirsh(): Promise<boolean> {
  try {
    return (await new Deno.Command("virsh", { args: ["--version"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

if (!(await hasVirsh())) {
  console.log("bench-cli: virsh is not installed; nothing to compare against");
  Deno.exit(0);
}

// Warm up caches (Deno's transpile cache, the page cache) on both sides.
for (let i = 0; i < 3; i++) {
  await once(ours);
  await once(theirs);
}
const a: number[] = [];
const b: number[] = [];
for (let i = 0; i < runs; i++) {
  a.push(await once(ours));
  b.push(await once(theirs));
}
const sa = stats(a);
const sb = stats(b);
const label = bin ? bin : "deno run -A main.ts";
console.log(`command: ${command.join(" ")}  (${runs} runs each, alternating)`);
console.log(`virtkit (${label}): median ${sa.median.toFixed(1)} ms, mean ${sa.mean.toFixed(1)} ms`);
console.log(`virsh:  median ${sb.median.toFixed(1)} ms, mean ${sb.mean.toFixed(1)} ms`);
console.log(
  `ratio virtkit/virsh (medians): ${(sa.median / sb.median).toFixed(2)}x  (target: at most 1.5x)`,
);
