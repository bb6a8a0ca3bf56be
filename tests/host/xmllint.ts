/**
 * Validation of generated XML against libvirt's RELAX NG schemas with
 * `xmllint`, for the host tests.
 */
import { assert } from "../assert.ts";
import { hasCommand, skipUnless } from "../skip.ts";

/** The shared schema folder. */
export const SCHEMAS = "/work/shared/reference/schemas";

/** `ignore` value for tests that need xmllint. */
export const NO_XMLLINT = skipUnless(
  hasCommand("xmllint"),
  "xmllint (libxml2-utils) is not installed",
);

/**
 * Validates each document (name → XML) against `schema` (e.g. `nodedev.rng`)
 * in one xmllint run; fails naming every document that does not validate.
 */
export async function assertValid(schema: string, docs: Map<string, string>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "virtkit-xmllint-" });
  try {
    const files: string[] = [];
    for (const [name, xml] of docs) {
      const f = `${dir}/${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.xml`;
      await Deno.writeTextFile(f, xml);
      files.push(f);
    }
    const out = await new Deno.Command("xmllint", {
      args: ["--noout", "--relaxng", `${SCHEMAS}/${schema}`, ...files],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr);
    const failed = text.split("\n").filter((l) => l && !l.endsWith(" validates"));
    assert(out.success && failed.length === 0, `${schema} rejects:\n${failed.join("\n")}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
