/**
 * Prints the pass count of every conformance suite and its failing cases.
 * `--update` raises `tests/conformance/baseline.json` to the current counts
 * (it never lowers a count). `--suite NAME` runs one suite.
 */
import { BASELINE_FILE, formatReport, readBaseline, runSuite, SUITES } from "../tests/conformance/runner.ts";

const args = Deno.args;
const only = args.includes("--suite") ? args[args.indexOf("--suite") + 1] : undefined;
const baseline = readBaseline();
let changed = false;
for (const { name } of SUITES) {
  if (only && name !== only) continue;
  const r = runSuite(name);
  if (!r) {
    console.log(`${name}: not implemented yet`);
    continue;
  }
  console.log(formatReport(r));
  if (args.includes("--update") && r.passed > (baseline[name] ?? 0)) {
    baseline[name] = r.passed;
    changed = true;
  }
}
if (changed) {
  Deno.writeTextFileSync(BASELINE_FILE, JSON.stringify(baseline, null, 2) + "\n");
  console.log("baseline raised");
}
