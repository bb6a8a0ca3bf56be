const t0 = performance.now();
const { main } = await import("./src/cli/main.ts");
const t1 = performance.now();
const rc = await main(Deno.args);
const t2 = performance.now();
console.error(`boot ${t0.toFixed(1)} load ${(t1-t0).toFixed(1)} run ${(t2-t1).toFixed(1)}`);
Deno.exit(rc);
