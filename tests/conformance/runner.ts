/**
 * Runs the shared conformance suites (`../shared/conformance`) against the
 * library and counts passes. A suite runs only when the library exports the
 * functions it needs, so suites join as their features land.
 * @module
 */
import * as api from "../../mod.ts";
import { VirtError } from "../../src/errors.ts";

/** Where the shared cases live, relative to the repository. */
export const CONFORMANCE_DIR = new URL("../../../shared/conformance/", import.meta.url);

/** One case of a suite as listed in its manifest. */
interface Case {
  name: string;
  expect: "ok" | "fail";
  mode?: "live" | "inactive";
  [k: string]: unknown;
}

/** The outcome of one suite. */
export interface SuiteResult {
  suite: string;
  passed: number;
  total: number;
  /** Failing case names with a one-line reason. */
  failures: { name: string; reason: string }[];
}

// deno-lint-ignore no-explicit-any
const lib = api as Record<string, any>;

function read(suite: string, file: string): string {
  return Deno.readTextFileSync(new URL(`${suite}/${file}`, CONFORMANCE_DIR));
}

function exists(suite: string, file: string): boolean {
  try {
    Deno.statSync(new URL(`${suite}/${file}`, CONFORMANCE_DIR));
    return true;
  } catch {
    return false;
  }
}

function manifest(suite: string): Case[] {
  return JSON.parse(read(suite, "manifest.json")).cases;
}

function firstDifference(got: string, want: string): string {
  const g = got.split("\n");
  const w = want.split("\n");
  for (let i = 0; i < Math.max(g.length, w.length); i++) {
    if (g[i] !== w[i]) return `line ${i + 1}: got ${JSON.stringify(g[i] ?? "<end>")}, want ${JSON.stringify(w[i] ?? "<end>")}`;
  }
  return "outputs differ";
}

/** A single check: returns undefined on pass or a reason on failure. */
type Check = () => string | undefined;

function expectOutput(run: () => string, want: string): string | undefined {
  const got = run();
  return got === want ? undefined : firstDifference(got, want);
}

function expectFailure(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    if (e instanceof VirtError) return undefined;
    return `threw a ${(e as Error).constructor.name} instead of VirtError: ${(e as Error).message}`;
  }
  return "accepted an input that must be rejected";
}

function runChecks(suite: string, checks: [string, Check][]): SuiteResult {
  const failures: { name: string; reason: string }[] = [];
  for (const [name, check] of checks) {
    let reason: string | undefined;
    try {
      reason = check();
    } catch (e) {
      reason = e instanceof VirtError ? `rejected: ${e.message}` : `crashed: ${(e as Error).stack ?? e}`;
    }
    if (reason) failures.push({ name, reason: reason.split("\n")[0] });
  }
  return { suite, passed: checks.length - failures.length, total: checks.length, failures };
}

function domainxml2xml(): [string, Check][] {
  return manifest("domainxml2xml").map((c) => {
    const inactive = c.mode === "inactive";
    const run = () => {
      const def = lib.parseDomainXml(read("domainxml2xml", `${c.name}.in.xml`), { inactive });
      return lib.formatDomainXml(def, { inactive, secure: true });
    };
    return [c.name, c.expect === "fail" ? () => expectFailure(run) : () => expectOutput(run, read("domainxml2xml", `${c.name}.out.xml`))];
  });
}

/** The expected `<domain>` outputs of other suites must already be canonical. */
function domainCanonical(): [string, Check][] {
  const checks: [string, Check][] = [];
  for (const suite of ["vmx2xml", "lxcconf2xml"]) {
    for (const c of manifest(suite)) {
      if (c.expect !== "ok") continue;
      const xml = read(suite, `${c.name}.xml`);
      checks.push([`${suite}/${c.name}`, () => expectOutput(() => lib.formatDomainXml(lib.parseDomainXml(xml), { secure: true }), xml)]);
    }
  }
  return checks;
}

/** The test context of libvirt's VMX suites (see the conformance README). */
export function vmxTestContext(datacenterPath?: string) {
  return {
    datacenterPath,
    parseFileName(fileName: string, allowMissing: boolean): string | null {
      let src: string;
      let missing = false;
      if (fileName.startsWith("/vmfs/volumes/")) {
        const rest = fileName.slice("/vmfs/volumes/".length);
        const slash = rest.indexOf("/");
        if (slash <= 0 || slash === rest.length - 1) throw new VirtError("config-unsupported", "vmx", `file name '${fileName}' is not a datastore path`);
        const ds = rest.slice(0, slash);
        const path = rest.slice(slash + 1);
        missing = ds === "missing" || path.startsWith("missing");
        src = `[${ds}] ${path}`;
      } else if (fileName.startsWith("/")) {
        src = fileName;
      } else if (fileName.includes("/")) {
        throw new VirtError("config-unsupported", "vmx", `relative path '${fileName}' is not supported`);
      } else {
        missing = fileName.startsWith("missing");
        src = `[datastore] directory/${fileName}`;
      }
      if (missing) {
        if (allowMissing) return null;
        throw new VirtError("internal-error", "vmx", `file '${fileName}' does not exist`);
      }
      return src;
    },
  };
}

function vmx2xml(): [string, Check][] {
  return manifest("vmx2xml").map((c) => {
    const run = () => {
      const ctx = vmxTestContext(c.datacenterPath as string | undefined);
      return lib.formatDomainXml(lib.vmxToDomain(read("vmx2xml", `${c.name}.vmx`), ctx), { secure: true });
    };
    return [c.name, c.expect === "fail" ? () => expectFailure(run) : () => expectOutput(run, read("vmx2xml", `${c.name}.xml`))];
  });
}

function xml2vmx(): [string, Check][] {
  return manifest("xml2vmx").map((c) => {
    const run = () => {
      const def = lib.parseDomainXml(read("xml2vmx", `${c.name}.xml`), { inactive: true });
      return lib.domainToVmx(def, {
        virtualHWVersion: c.virtualHWVersion,
        autodetectScsiModel: () => "lsilogic",
        formatFileName(src: string): string {
          const m = /^\[([^\]]+)\] (.*)$/.exec(src);
          if (m) return `/vmfs/volumes/${m[1]}/${m[2]}`;
          if (src.startsWith("/")) return src;
          throw new VirtError("config-unsupported", "vmx", `file name '${src}' is neither a datastore path nor absolute`);
        },
      });
    };
    return [c.name, c.expect === "fail" ? () => expectFailure(run) : () => expectOutput(run, read("xml2vmx", `${c.name}.vmx`))];
  });
}

function lxcconf2xml(): [string, Check][] {
  const checks: [string, Check][] = [];
  for (const c of manifest("lxcconf2xml")) {
    for (const config of c.configs as string[]) {
      const run = () => lib.formatDomainXml(lib.lxcConfigToDomain(read("lxcconf2xml", config), { uuid: c.uuid }));
      checks.push([config, c.expect === "fail" ? () => expectFailure(run) : () => expectOutput(run, read("lxcconf2xml", `${c.name}.xml`))]);
    }
  }
  return checks;
}

function networkxml2xml(): [string, Check][] {
  return manifest("networkxml2xml").map((c) => {
    const inactive = c.mode === "inactive";
    const run = () => lib.formatNetworkXml(lib.parseNetworkXml(read("networkxml2xml", `${c.name}.in.xml`)), { inactive });
    return [c.name, c.expect === "fail" ? () => expectFailure(run) : () => expectOutput(run, read("networkxml2xml", `${c.name}.out.xml`))];
  });
}

function networkxml2conf(): [string, Check][] {
  return manifest("networkxml2conf").map((c) => [c.name, () => {
    const out = lib.networkToDnsmasq(lib.parseNetworkXml(read("networkxml2conf", `${c.name}.xml`)), { stateDir: c.dnsmasqStateDir });
    const confDiff = out.conf === read("networkxml2conf", `${c.name}.conf`) ? undefined : "conf: " + firstDifference(out.conf, read("networkxml2conf", `${c.name}.conf`));
    if (confDiff) return confDiff;
    const wantHosts = c.hostsfile && exists("networkxml2conf", `${c.name}.hostsfile`) ? read("networkxml2conf", `${c.name}.hostsfile`) : null;
    if (wantHosts === null) return out.hostsfile === null ? undefined : "produced a hosts file where none is expected";
    if (out.hostsfile === null) return "produced no hosts file";
    return out.hostsfile === wantHosts ? undefined : "hostsfile: " + firstDifference(out.hostsfile, wantHosts);
  }]);
}

function secretxml2xml(): [string, Check][] {
  return manifest("secretxml2xml").map((c) => {
    const run = () => lib.formatSecretXml(lib.parseSecretXml(read("secretxml2xml", `${c.name}.in.xml`)));
    return [c.name, c.expect === "fail" ? () => expectFailure(run) : () => expectOutput(run, read("secretxml2xml", `${c.name}.out.xml`))];
  });
}

/** Every suite with the library functions it needs. */
export const SUITES: { name: string; needs: string[]; checks: () => [string, Check][] }[] = [
  { name: "domainxml2xml", needs: ["parseDomainXml", "formatDomainXml"], checks: domainxml2xml },
  { name: "domain-canonical", needs: ["parseDomainXml", "formatDomainXml"], checks: domainCanonical },
  { name: "vmx2xml", needs: ["vmxToDomain"], checks: vmx2xml },
  { name: "xml2vmx", needs: ["domainToVmx"], checks: xml2vmx },
  { name: "lxcconf2xml", needs: ["lxcConfigToDomain"], checks: lxcconf2xml },
  { name: "networkxml2xml", needs: ["parseNetworkXml", "formatNetworkXml"], checks: networkxml2xml },
  { name: "networkxml2conf", needs: ["parseNetworkXml", "networkToDnsmasq"], checks: networkxml2conf },
  { name: "secretxml2xml", needs: ["parseSecretXml", "formatSecretXml"], checks: secretxml2xml },
];

/** Runs one suite, or returns undefined when the library lacks its functions. */
export function runSuite(name: string): SuiteResult | undefined {
  const s = SUITES.find((x) => x.name === name);
  if (!s || s.needs.some((f) => typeof lib[f] !== "function")) return undefined;
  return runChecks(s.name, s.checks());
}

/** The recorded minimum pass counts, by suite. */
export const BASELINE_FILE = new URL("./baseline.json", import.meta.url);

/** Reads the baseline file. */
export function readBaseline(): Record<string, number> {
  return JSON.parse(Deno.readTextFileSync(BASELINE_FILE));
}

/** One line a suite: `suite: passed/total`, then the failing cases. */
export function formatReport(r: SuiteResult): string {
  const lines = [`${r.suite}: ${r.passed}/${r.total} passed`];
  for (const f of r.failures) lines.push(`  FAIL ${f.name}: ${f.reason}`);
  return lines.join("\n");
}
