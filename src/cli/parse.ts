/**
 * virsh's command-line syntax: splitting a command string into commands and
 * words (quotes, backslashes, `;`, newlines, `#` comments), and matching
 * words against a command's options (`--name value`, `--name=value`,
 * positional values, `--` before data).
 * @module
 */
import type { CommandSpec, OptSpec, ParsedCommand } from "./spec.ts";
import { CliError } from "./output.ts";

/**
 * Splits a command string into commands, each a list of words. Words are
 * separated by blanks; `;` and newlines end a command; a word starting with
 * `#` comments out the rest of the line; single quotes keep text literally;
 * double quotes keep blanks and `;`; a backslash outside single quotes keeps
 * the next character.
 *
 * @throws CliError on an unterminated quote or a trailing backslash
 * @example
 * ```ts
 * splitCommands("list --all; domstate 'my vm'"); // [["list", "--all"], ["domstate", "my vm"]]
 * ```
 */
export function splitCommands(text: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let i = 0;
  const endCommand = () => {
    if (words.length) commands.push(words);
    words = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "\\" && text[i + 1] === "\n") {
      i += 2;
      continue;
    }
    if (c === ";" || c === "\n") {
      endCommand();
      i++;
      continue;
    }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      endCommand();
      continue;
    }
    let word = "";
    let single = false;
    let double = false;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (!single && !double && (ch === " " || ch === "\t" || ch === ";" || ch === "\n")) break;
      if (!double && ch === "'") {
        single = !single;
        continue;
      }
      if (!single && ch === "\\") {
        i++;
        if (i >= text.length) throw new CliError("dangling \\");
        if (text[i] === "\n") continue;
        word += text[i];
        continue;
      }
      if (!single && ch === '"') {
        double = !double;
        continue;
      }
      word += ch;
    }
    if (double) throw new CliError('missing "');
    if (single) throw new CliError("missing '");
    words.push(word);
  }
  endCommand();
  return commands;
}

function typeName(o: OptSpec): string {
  return o.type === "int" ? "number" : "string";
}

/**
 * Matches a command's words (after the command name) against its options.
 *
 * @throws CliError in virsh's words: an unknown option, an option seen
 *   twice, a missing value, unexpected data, a missing required option
 */
export function parseOptions(spec: CommandSpec, words: string[]): ParsedCommand {
  const values = new Map<string, string | true | string[]>();
  let dataOnly = false;
  const set = (o: OptSpec, v: string | true) => {
    if (o.repeat && typeof v === "string") {
      values.set(o.name, [...(values.get(o.name) as string[] | undefined) ?? [], v]);
      return;
    }
    if (values.has(o.name)) throw new CliError(`option --${o.name} already seen`);
    if (o.type === "int" && typeof v === "string" && !/^[+-]?\d+$/.test(v.trim())) {
      throw new CliError(
        `numeric value '${v}' for <${o.name}> option is malformed or out of range`,
      );
    }
    values.set(o.name, v);
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!dataOnly && w.startsWith("--")) {
      if (w === "--") {
        dataOnly = true;
        continue;
      }
      const eq = w.indexOf("=");
      const name = eq === -1 ? w.slice(2) : w.slice(2, eq);
      const o = spec.opts.find((x) => x.name === name);
      if (!o) throw new CliError(`command '${spec.name}' doesn't support option --${name}`);
      if (o.type === "bool") {
        if (eq !== -1) throw new CliError(`invalid '=' after option --${name}`);
        set(o, true);
      } else if (eq !== -1) {
        set(o, w.slice(eq + 1));
      } else {
        if (i + 1 >= words.length) {
          throw new CliError(`expected syntax: --${name} <${typeName(o)}>`);
        }
        set(o, words[++i]);
      }
      continue;
    }
    const o = spec.opts.find((x) => x.positional && (x.repeat || !values.has(x.name)));
    if (!o) throw new CliError(`unexpected data '${w}'`);
    set(o, w);
  }
  for (const o of spec.opts) {
    if (o.required && !values.has(o.name)) {
      throw new CliError(
        o.positional
          ? `command '${spec.name}' requires <${o.name}> option`
          : `command '${spec.name}' requires --${o.name} option`,
      );
    }
  }
  return { spec, values };
}
