/**
 * The interactive shell: a prompt with line editing, tab completion and a
 * history kept across sessions in `$XDG_CACHE_HOME/virtkit/history`
 * (`~/.cache/virtkit/history` by default).
 * @module
 */
import * as readline from "node:readline";
import process from "node:process";
import type { Session } from "./session.ts";
import { completions } from "./shell.ts";

/** Lines of history kept. */
const HISTORY_SIZE = 500;

function historyPath(): string | undefined {
  const cache = Deno.env.get("XDG_CACHE_HOME") ||
    (Deno.env.get("HOME") ? `${Deno.env.get("HOME")}/.cache` : undefined);
  return cache ? `${cache}/virtkit/history` : undefined;
}

function loadHistory(path: string | undefined): string[] {
  if (!path) return [];
  try {
    // The file lists the oldest line first; readline wants the newest first.
    return Deno.readTextFileSync(path).split("\n").filter((l) => l.trim()).reverse().slice(
      0,
      HISTORY_SIZE,
    );
  } catch {
    return [];
  }
}

function saveHistory(path: string | undefined, history: string[]): void {
  if (!path) return;
  try {
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(path, [...history].reverse().join("\n") + "\n");
  } catch {
    // A history that cannot be saved is not worth failing the shell for.
  }
}

/** Runs the interactive shell until `quit`, `exit` or end of input; returns the last command's result. */
export async function repl(session: Session): Promise<boolean> {
  const path = historyPath();
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history: loadHistory(path),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string, callback: (err: null, result: [string[], string]) => void) => {
      completions(`virtkit ${line}`, () => session.connection()).then(
        (found) => callback(null, [found, line.slice(line.search(/\S*$/))]),
        () => callback(null, [[], line]),
      );
    },
  });
  const root = Deno.uid() === 0;
  rl.setPrompt(root ? "virtkit # " : "virtkit $ ");
  session.print(
    "Welcome to virtkit, the virtualization interactive terminal.\n\n" +
      "Type:  'help' for help with commands\n" +
      "       'quit' to quit\n\n",
  );
  session.flush();
  let ok = true;
  rl.prompt();
  for await (const line of rl) {
    if (line.trim()) ok = await session.runString(line);
    if (session.quitRequested) break;
    rl.prompt();
  }
  saveHistory(path, (rl as unknown as { history: string[] }).history);
  rl.close();
  return ok;
}
