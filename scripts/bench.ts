/**
 * `deno task bench`: runs every side-by-side benchmark (`scripts/bench-*.ts`)
 * in turn; each prints virtkit's figure, libvirt's and the ratio.
 */
const dir = new URL("./", import.meta.url);
const only = Deno.args[0];
const names = [...Deno.readDirSync(dir)]
  .map((e) => e.name)
  .filter((n) => /^bench-.+\.ts$/.test(n) && (!only || n.includes(only)))
  .sort();
for (const name of names) {
  const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", new URL(name, dir).pathname], stdout: "inherit", stderr: "inherit" }).output();
  if (!out.success) console.error(`${name} failed with exit code ${out.code}`);
}
