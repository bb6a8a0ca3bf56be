/**
 * virtkit's command line: `deno run -A main.ts [options] [command]`, or the
 * compiled `virtkit` binary. See `src/cli/main.ts`.
 * @module
 */
import { main } from "./src/cli/main.ts";

Deno.exit(await main(Deno.args));
