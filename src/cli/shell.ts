/**
 * Commands about the shell itself: help, quit/exit, connect, completion
 * (the bash and zsh scripts) and complete (what those scripts call).
 * @module
 */
import { type Connection, open } from "../connect.ts";
import { COMMANDS, findCommand, GROUPS } from "./commands.ts";
import { splitCommands } from "./parse.ts";
import type { CommandContext, CommandSpec, OptSpec } from "./spec.ts";
import { CliError } from "./output.ts";

function optSynopsis(o: OptSpec): string {
  const value = o.type === "bool" ? "" : o.type === "int" ? " <number>" : " <string>";
  if (o.positional) return o.required ? `<${o.name}>` : `[<${o.name}>]`;
  return o.required ? `--${o.name}${value}` : `[--${o.name}${value}]`;
}

function optTitle(o: OptSpec): string {
  const value = o.type === "bool" ? "" : o.type === "int" ? " <number>" : " <string>";
  return o.positional ? `[--${o.name}]${value}` : `--${o.name}${value}`;
}

function commandHelp(c: CommandSpec): string {
  let s = `  NAME\n    ${c.name} - ${c.help}\n\n  SYNOPSIS\n    ${
    [c.name, ...c.opts.map(optSynopsis)].join(" ")
  }\n\n`;
  s += `  DESCRIPTION\n    ${c.desc}\n`;
  if (c.opts.length) {
    s += `\n  OPTIONS\n`;
    for (const o of c.opts) s += `    ${optTitle(o).padEnd(15)}  ${o.help}\n`;
  }
  if (c.name === "completion") s += `\n${COMPLETION_HELP}`;
  return s + "\n";
}

const COMPLETION_HELP = `  SETUP
    bash:  source <(virtkit completion bash)        (or save it under
           /etc/bash_completion.d/virtkit)
    zsh:   virtkit completion zsh > "\${fpath[1]}/_virtkit"   then restart zsh
`;

function groupHelp(group: string, title: string): string {
  const cmds = COMMANDS.filter((c) => c.group === group && !c.hidden);
  return ` ${title} (help keyword '${group}'):\n` +
    cmds.map((c) => `    ${c.name.padEnd(30)} ${c.help}\n`).join("");
}

/** `help [COMMAND|GROUP]`. */
export function help(ctx: CommandContext): Promise<void> {
  const what = ctx.str("command");
  if (what === undefined) {
    ctx.print("Grouped commands:\n\n" + GROUPS.map(([g, title]) => groupHelp(g, title)).join("\n"));
    return Promise.resolve();
  }
  const group = GROUPS.find(([g]) => g === what);
  if (group) {
    ctx.print(groupHelp(group[0], group[1]));
    return Promise.resolve();
  }
  const c = findCommand(what);
  if (!c) throw new CliError(`command or command group '${what}' doesn't exist`);
  ctx.print(commandHelp(c));
  return Promise.resolve();
}

/** `quit` / `exit`: leaves the interactive shell. */
export function quit(ctx: CommandContext): Promise<void> {
  ctx.session.quit();
  return Promise.resolve();
}

/** `connect [URI]`: switches to another connection. */
export async function connect(ctx: CommandContext): Promise<void> {
  await ctx.session.reconnect(ctx.str("name"));
}

const BASH_SCRIPT = `# bash completion for virtkit
# Load it with:  source <(virtkit completion bash)
_virtkit() {
  local line="\${COMP_LINE:0:COMP_POINT}"
  local IFS=$'\\n'
  COMPREPLY=($("\${COMP_WORDS[0]}" -q complete -- "$line" 2>/dev/null))
}
complete -o default -o nospace -F _virtkit virtkit
`;

const ZSH_SCRIPT = `#compdef virtkit
# zsh completion for virtkit
# Install it with:  virtkit completion zsh > "\${fpath[1]}/_virtkit"
_virtkit() {
  local line="\${(j: :)words[1,CURRENT]}"
  local -a reply
  reply=("\${(@f)$(\${words[1]} -q complete -- "$line" 2>/dev/null)}")
  if [[ -n "\${reply[1]}" ]]; then
    compadd -S '' -- "\${reply[@]}"
  else
    _files
  fi
}
compdef _virtkit virtkit
`;

/** `completion bash|zsh`: prints the completion script. */
export function completion(ctx: CommandContext): Promise<void> {
  const shell = ctx.req("shell");
  if (shell === "bash") ctx.print(BASH_SCRIPT);
  else if (shell === "zsh") ctx.print(ZSH_SCRIPT);
  else throw new CliError(`unknown shell '${shell}', expected 'bash' or 'zsh'`);
  return Promise.resolve();
}

/** Global options that take a value. */
const GLOBAL_WITH_VALUE = new Set(["-c", "--connect"]);
const GLOBAL_OPTIONS = ["--connect", "--help", "--json", "--quiet", "--readonly", "--version"];

/** Splits a partial command into whole words and the word being typed. */
function splitPartial(last: string): { words: string[]; current: string } {
  let words: string[];
  try {
    words = splitCommands(last + (/\s$/.test(last) ? "" : "\u0000"))[0] ?? [];
  } catch {
    words = last.split(/\s+/).filter((w) => w);
    if (!/\s$/.test(last)) words.push(words.pop() + "\u0000");
  }
  const tail = words.at(-1);
  if (tail?.endsWith("\u0000")) {
    words.pop();
    return { words, current: tail.slice(0, -1) };
  }
  return { words, current: "" };
}

async function names(conn: Connection, kind: "domain" | "network"): Promise<string[]> {
  const list = kind === "domain" ? await conn.listAllDomains() : await conn.listAllNetworks();
  return list.map((x) => x.name());
}

/** Domain or network names from `session`'s connection, or from one opened to `uri` for the purpose. */
async function namesVia(
  session: (() => Promise<Connection>) | undefined,
  uri: string | undefined,
  kind: "domain" | "network",
) {
  try {
    if (session) return await names(await session(), kind);
    const conn = await open(uri);
    try {
      return await names(conn, kind);
    } finally {
      await conn.close();
    }
  } catch {
    return [];
  }
}

/**
 * The words that may complete a partial command line (program name first,
 * as the shell passes it), filtered by the word being typed. Names of
 * domains and networks come from `session` when given (the interactive
 * shell's connection), otherwise from a connection to the line's `-c` URI.
 */
export async function completions(
  line: string,
  session?: () => Promise<Connection>,
): Promise<string[]> {
  // The program and its options come first; after a ';' a new command starts.
  const semi = line.lastIndexOf(";");
  const { words: head, current: headCurrent } = splitPartial(
    semi === -1 ? line : line.slice(0, semi) + " ",
  );
  let i = 1;
  let uri: string | undefined;
  while (i < head.length && head[i].startsWith("-")) {
    const w = head[i];
    if (w.startsWith("--connect=")) uri = w.slice(10);
    else if (GLOBAL_WITH_VALUE.has(w)) uri = head[++i];
    else if (w.startsWith("-c") && w.length > 2) uri = w.slice(2);
    i++;
  }
  let words = head;
  let current = headCurrent;
  if (semi !== -1) {
    ({ words, current } = splitPartial(line.slice(semi + 1)));
    words = ["", ...words];
    i = 1;
  }
  const match = (list: string[]) => list.filter((x) => x.startsWith(current)).sort();
  if (i >= words.length) {
    if (current.startsWith("-")) return match(GLOBAL_OPTIONS);
    if (words.length > 0 && GLOBAL_WITH_VALUE.has(words[words.length - 1])) return [];
    return match(COMMANDS.filter((c) => !c.hidden).map((c) => c.name));
  }
  const spec = findCommand(words[i]);
  if (!spec) return [];
  const args = words.slice(i + 1);
  const prev = args.at(-1);
  const prevOpt = prev?.startsWith("--")
    ? spec.opts.find((o) => o.name === prev.slice(2))
    : undefined;
  let target: OptSpec | undefined;
  if (prevOpt && prevOpt.type !== "bool") target = prevOpt;
  else if (current.startsWith("-")) {
    const used = new Set(
      args.filter((a) => a.startsWith("--")).map((a) => a.slice(2).split("=")[0]),
    );
    return match(spec.opts.filter((o) => !used.has(o.name)).map((o) => `--${o.name}`));
  } else {
    const filled = new Set<string>();
    let positional = 0;
    for (let k = 0; k < args.length; k++) {
      const a = args[k];
      if (a.startsWith("--")) {
        const o = spec.opts.find((x) => x.name === a.slice(2).split("=")[0]);
        if (o) filled.add(o.name);
        if (o && o.type !== "bool" && !a.includes("=")) k++;
      } else positional++;
    }
    target = spec.opts.filter((o) => o.positional && !filled.has(o.name))[positional];
  }
  switch (target?.complete) {
    case "domain":
    case "network":
      return match(await namesVia(session, uri, target.complete));
    case "command":
      return match([
        ...COMMANDS.filter((c) => !c.hidden).map((c) => c.name),
        ...GROUPS.map(([g]) => g),
      ]);
    case "shell":
      return match(["bash", "zsh"]);
    default:
      return [];
  }
}

/** `complete -- LINE`: prints the completions of a partial command line. */
export async function complete(ctx: CommandContext): Promise<void> {
  const found = await completions(ctx.str("words") ?? "");
  ctx.print(found.map((w) => `${w}\n`).join(""));
}
