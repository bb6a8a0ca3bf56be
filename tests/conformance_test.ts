/**
 * The shared conformance suites: each suite whose library functions exist
 * must pass at least the count recorded in `tests/conformance/baseline.json`.
 * Raise the baseline with `deno task conformance --update` when a suite improves.
 */
import { assert } from "./assert.ts";
import { formatReport, readBaseline, runSuite, SUITES } from "./conformance/runner.ts";

const baseline = readBaseline();

for (const { name } of SUITES) {
  Deno.test(`conformance: ${name}`, () => {
    const r = runSuite(name);
    if (!r) {
      assert(!(name in baseline), `suite ${name} has a baseline but its library functions are missing`);
      return;
    }
    console.log(formatReport(r));
    const min = baseline[name] ?? 0;
    assert(r.passed >= min, `${name}: ${r.passed} passed, below the baseline of ${min}`);
  });
}
