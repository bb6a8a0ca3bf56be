/**
 * virtkit's command line: `deno run -A main.ts [options] [command]`, or the
 * compiled `virtkit` binary. See `src/cli/main.ts`.
 * @module
 */
import { main } from "./src/cli/main.ts";
import { importLazily } from "./src/connect.ts";

if (Deno.args[0] === "__lxc-controller") {
  // The LXC driver's container supervisor (see drivers/lxc/controller.ts), for compiled binaries.
  const { runController } = await importLazily<typeof import("./drivers/lxc/controller.ts")>(
    "./drivers/lxc/controller.ts",
    import.meta.url,
  );
  await runController(JSON.parse(Deno.args[1]), Deno.args[2]);
  Deno.exit(0);
}
Deno.exit(await main(Deno.args));
