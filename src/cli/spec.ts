/**
 * The shapes shared by the command table, the parser and the handlers:
 * option and command specifications, parsed commands, and the context a
 * handler runs in. Types only: importing it costs nothing at run time.
 * @module
 */
import type { Connection } from "../connect.ts";

/** The kind of value an option takes. */
export type OptType = "bool" | "string" | "int";

/** One option of a command. */
export interface OptSpec {
  /** Name without dashes (`domain`, `reason`). */
  name: string;
  type: OptType;
  /** One line of help. */
  help: string;
  /** Must be given. */
  required?: boolean;
  /** May be given without its `--name`, in order. */
  positional?: boolean;
  /** May be given more than once (a string option); read with `CommandContext.all`. */
  repeat?: boolean;
  /** What completion offers for its value. */
  complete?: "domain" | "network" | "file" | "command" | "shell";
}

/** A command group, as `help` lists them. */
export type CommandGroup =
  | "domain"
  | "monitor"
  | "network"
  | "host"
  | "nodedev"
  | "secret"
  | "virtkit";

/** What a command handler gets to work with. */
export interface CommandContext {
  /** The command name as typed. */
  readonly name: string;
  /** A boolean option. */
  bool(name: string): boolean;
  /** A string option, or undefined. */
  str(name: string): string | undefined;
  /** A required string option. */
  req(name: string): string;
  /** Every value of a repeatable option, in the order given. */
  all(name: string): string[];
  /** An integer option, or undefined. */
  int(name: string): number | undefined;
  /** The connection, opened on first use. */
  conn(): Promise<Connection>;
  /** Prints to standard output. */
  print(text: string): void;
  /** Prints informational text that `--quiet` suppresses. */
  printExtra(text: string): void;
  /** Whether `--json` output was asked for. */
  readonly json: boolean;
  /** Prints a value as one line of JSON. */
  printJson(value: unknown): void;
  /** The shell session, for commands that change it (`connect`) or describe it (`help`). */
  readonly session: SessionControl;
}

/** What commands may do to the session. */
export interface SessionControl {
  /** Closes the current connection and opens `uri` (or the default). */
  reconnect(uri: string | undefined): Promise<void>;
  /** Asks an interactive shell to stop after this command. */
  quit(): void;
  /** Whether the session is an interactive shell. */
  readonly interactive: boolean;
}

/** A command handler; it throws `CliError` (or a `VirtError`) to fail. */
export type Handler = (ctx: CommandContext) => Promise<void>;

/** One command: its options, help, group, and where its handler lives. */
export interface CommandSpec {
  name: string;
  group: CommandGroup;
  /** One line for `help`. */
  help: string;
  /** A longer description for `help COMMAND`. */
  desc: string;
  opts: OptSpec[];
  /** Offer `--json`. */
  json?: boolean;
  /** Runs without a connection. */
  noConnect?: boolean;
  /** Changes something, so a read-only session refuses it. */
  modifies?: boolean;
  /** Left out of `help` listings. */
  hidden?: boolean;
  /** Loads the handler (a dynamic import, so a command loads only its own module). */
  load: () => Promise<Handler>;
}

/** A parsed command ready to run. */
export interface ParsedCommand {
  spec: CommandSpec;
  /** Option values by name: `true` for booleans, text otherwise, a list for repeatable options. */
  values: Map<string, string | true | string[]>;
}
