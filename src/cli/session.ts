/**
 * A CLI session: the connection (opened when a command first needs it),
 * the output, and running parsed commands the way virsh does (a blank line
 * after each command, `error:` lines on stderr, the last command's result
 * as the exit status).
 * @module
 */
import { type Connection, open } from "../connect.ts";
import { findCommand } from "./commands.ts";
import { CliError, describeError, errorJson } from "./output.ts";
import { parseOptions, splitCommands } from "./parse.ts";
import type { CommandContext, ParsedCommand, SessionControl } from "./spec.ts";

/** How the session was started. */
export interface SessionOptions {
  /** `-c URI`; undefined for the default. */
  uri?: string;
  /** `-q`: no informational messages and no blank line after commands. */
  quiet: boolean;
  /** `--json` for every command. */
  json: boolean;
  /** `-r`: refuse commands that change anything. */
  readonly: boolean;
  /** Running the interactive shell. */
  interactive: boolean;
}

const encoder = new TextEncoder();

/** Writes all of `text` to a stream, giving up quietly when the reader has gone. */
function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  let data = encoder.encode(text);
  try {
    while (data.length) data = data.subarray(stream.writeSync(data));
  } catch (e) {
    if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
  }
}

/** Thrown when the connection cannot be opened: a non-interactive session stops there. */
class ConnectError extends CliError {}

/** One run of the CLI: a command line, a script, or an interactive shell. */
export class Session implements SessionControl {
  #conn: Connection | undefined;
  #uri: string | undefined;
  #out = "";
  #quit = false;

  constructor(readonly opts: SessionOptions) {
    this.#uri = opts.uri;
  }

  /** Whether the session is an interactive shell. */
  get interactive(): boolean {
    return this.opts.interactive;
  }

  /** Whether `quit` was run. */
  get quitRequested(): boolean {
    return this.#quit;
  }

  /** Asks the shell to stop. */
  quit(): void {
    this.#quit = true;
  }

  /** The connection, opened on first use. */
  async connection(): Promise<Connection> {
    if (!this.#conn) {
      try {
        this.#conn = await open(this.#uri);
      } catch (e) {
        throw new ConnectError("failed to connect to the hypervisor", e);
      }
    }
    return this.#conn;
  }

  /** Closes the current connection and opens `uri` (the default when undefined). */
  async reconnect(uri: string | undefined): Promise<void> {
    await this.close();
    this.#uri = uri;
    await this.connection();
  }

  /** Closes the connection, if open. */
  async close(): Promise<void> {
    const c = this.#conn;
    this.#conn = undefined;
    await c?.close();
  }

  /** Queues text for standard output. */
  print(text: string): void {
    this.#out += text;
  }

  /** Writes queued output. */
  flush(): void {
    if (this.#out) writeAll(Deno.stdout, this.#out);
    this.#out = "";
  }

  /** Reports an error on standard error, as an `error:` line or JSON. */
  reportError(e: unknown): void {
    this.flush();
    const text = this.opts.json ? JSON.stringify(errorJson(e)) : `error: ${describeError(e)}`;
    writeAll(Deno.stderr, text + "\n");
  }

  /**
   * Parses a command string (`cmd1 args; cmd2 args`) completely, then runs
   * each command. Returns whether the last one succeeded; a syntax error
   * runs nothing.
   */
  async runString(text: string): Promise<boolean> {
    let parsed: ParsedCommand[];
    try {
      parsed = splitCommands(text).map((words) => parseCommand(words));
    } catch (e) {
      this.reportError(e);
      return false;
    }
    return await this.runAll(parsed);
  }

  /** Runs one command given as separate words (`virtkit list --all`). */
  async runWords(words: string[]): Promise<boolean> {
    let parsed: ParsedCommand;
    try {
      parsed = parseCommand(words);
    } catch (e) {
      this.reportError(e);
      return false;
    }
    return await this.runAll([parsed]);
  }

  /** Runs commands in order; returns whether the last succeeded. */
  async runAll(cmds: ParsedCommand[]): Promise<boolean> {
    let ok = true;
    for (const cmd of cmds) {
      try {
        ok = await this.run(cmd);
      } catch (e) {
        // Only a failed connection gets here: nothing further can run.
        this.reportError(e);
        return false;
      }
      if (this.#quit) break;
    }
    return ok;
  }

  /** Runs one parsed command; a connection failure outside the shell is rethrown. */
  async run(cmd: ParsedCommand): Promise<boolean> {
    const json = this.opts.json || cmd.values.has("json");
    const ctx = this.#context(cmd, json);
    let ok = true;
    try {
      if (cmd.spec.modifies && this.opts.readonly) {
        throw new CliError(`operation forbidden: read-only access prevents '${cmd.spec.name}'`);
      }
      // Load the handler while the connection opens (awaited below; marked
      // handled so a failed load is reported there, not as an uncaught rejection).
      const handler = cmd.spec.load();
      handler.catch(() => {});
      if (!cmd.spec.noConnect) await this.connection();
      await (await handler)(ctx);
    } catch (e) {
      if (e instanceof ConnectError && !this.interactive) throw e;
      ok = false;
      this.reportError(e);
    }
    if (!this.opts.quiet && !json && !this.#quit) this.print("\n");
    this.flush();
    return ok;
  }

  #context(cmd: ParsedCommand, json: boolean): CommandContext {
    const v = cmd.values;
    const str = (name: string) => {
      const x = v.get(name);
      return typeof x === "string" ? x : undefined;
    };
    return {
      name: cmd.spec.name,
      json,
      session: this,
      bool: (name) => v.get(name) === true,
      str,
      req: (name) => {
        const x = str(name);
        if (x === undefined) {
          throw new CliError(`command '${cmd.spec.name}' requires <${name}> option`);
        }
        return x;
      },
      all: (name) => {
        const x = v.get(name);
        return Array.isArray(x) ? x : typeof x === "string" ? [x] : [];
      },
      int: (name) => {
        const x = str(name);
        return x === undefined ? undefined : Number(x);
      },
      conn: () => this.connection(),
      print: (t) => this.print(t),
      printExtra: (t) => {
        if (!this.opts.quiet) this.print(t);
      },
      printJson: (value) => this.print(JSON.stringify(value) + "\n"),
    };
  }
}

/** Finds a command by its first word and parses the rest against its options. */
export function parseCommand(words: string[]): ParsedCommand {
  const spec = findCommand(words[0]);
  if (!spec) throw new CliError(`unknown command: '${words[0]}'`);
  return parseOptions(spec, words.slice(1));
}
