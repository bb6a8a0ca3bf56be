/**
 * The command-line entry point, shaped after virsh:
 *
 * ```
 * virtkit [options]... [COMMAND_STRING]
 * virtkit [options]... COMMAND [ARGS]...
 * ```
 *
 * One argument is a command string (`'list --all; domstate test'`); several
 * are one command and its arguments; none starts the interactive shell (or,
 * when standard input is not a terminal, runs the commands read from it).
 * @module
 */
import { importLazily, registeredDrivers, VERSION } from "../connect.ts";

import { Session, type SessionOptions } from "./session.ts";
import { CliError } from "./output.ts";

const USAGE = `virtkit [options]... [<command_string>]
virtkit [options]... <command> [args...]

  options:
    -c | --connect=URI      connection URI (default: $VIRTKIT_DEFAULT_URI)
    -h | --help             this help
    -q | --quiet            no informational messages
    -r | --readonly         connect read-only
    -v | --version          print the version
    -V                      print the version and the drivers
         --json             print results as JSON

  Commands are those of virsh; 'virtkit help' lists them and
  'virtkit help COMMAND' describes one.
`;

/** Global options and the words after them. */
interface GlobalOptions extends SessionOptions {
  help: boolean;
  version?: "short" | "long";
  rest: string[];
}

/** Parses options up to the first word that is not one (getopt's `+` mode). */
function parseGlobal(args: string[]): GlobalOptions {
  const g: GlobalOptions = {
    quiet: false,
    json: false,
    readonly: false,
    interactive: false,
    help: false,
    rest: [],
  };
  let i = 0;
  const value = (name: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    if (i + 1 >= args.length) throw new CliError(`option '${name}' requires an argument`);
    return args[++i];
  };
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      i++;
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq === -1 ? a : a.slice(0, eq);
      const inline = eq === -1 ? undefined : a.slice(eq + 1);
      switch (name) {
        case "--connect":
          g.uri = value(name, inline);
          break;
        case "--help":
          g.help = true;
          break;
        case "--quiet":
          g.quiet = true;
          break;
        case "--readonly":
          g.readonly = true;
          break;
        case "--json":
          g.json = true;
          break;
        case "--version":
          if (inline !== undefined && inline !== "short" && inline !== "long") {
            throw new CliError(`unknown version type '${inline}', expected 'short' or 'long'`);
          }
          g.version = inline === "long" ? "long" : "short";
          break;
        default:
          throw new CliError(`unsupported option '${name}'. See --help.`);
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k];
        if (c === "c") {
          const rest = a.slice(k + 1);
          g.uri = value("-c", rest === "" ? undefined : rest);
          break;
        }
        if (c === "h") g.help = true;
        else if (c === "q") g.quiet = true;
        else if (c === "r") g.readonly = true;
        else if (c === "v") g.version = "short";
        else if (c === "V") g.version = "long";
        else throw new CliError(`unsupported option '-${c}'. See --help.`);
      }
      continue;
    }
    break;
  }
  g.rest = args.slice(i);
  return g;
}

async function readStdin(): Promise<string> {
  return await new Response(Deno.stdin.readable).text();
}

/**
 * Runs the CLI with `args` (without the program name) and returns the exit
 * status: 0 when the last command succeeded.
 */
export async function main(args: string[]): Promise<number> {
  let g: GlobalOptions;
  try {
    g = parseGlobal(args);
  } catch (e) {
    new Session({ quiet: false, json: false, readonly: false, interactive: false }).reportError(e);
    return 1;
  }
  if (g.help) {
    await Deno.stdout.write(new TextEncoder().encode(USAGE));
    return 0;
  }
  if (g.version) {
    const text = g.version === "short"
      ? `${VERSION}\n`
      : `virtkit ${VERSION}\nDrivers: ${registeredDrivers().join(", ")}\n`;
    await Deno.stdout.write(new TextEncoder().encode(text));
    return 0;
  }
  const interactive = g.rest.length === 0 && Deno.stdin.isTerminal();
  const session = new Session({ ...g, interactive });
  let ok: boolean;
  if (interactive) {
    const { repl } = await importLazily<typeof import("./repl.ts")>("./repl.ts", import.meta.url);
    ok = await repl(session);
  } else if (g.rest.length === 0) {
    ok = await session.runString(await readStdin());
  } else if (g.rest.length === 1) {
    ok = await session.runString(g.rest[0]);
  } else {
    ok = await session.runWords(g.rest);
  }
  await session.close();
  return ok ? 0 : 1;
}
