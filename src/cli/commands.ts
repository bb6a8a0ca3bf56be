/**
 * The command table: every command's options and help, and the module its
 * handler lives in. The table itself is small; a handler's module is
 * imported only when its command runs.
 * @module
 */
import { importLazily } from "../connect.ts";
import type { CommandGroup, CommandSpec, Handler, OptSpec } from "./spec.ts";

const domain: OptSpec = {
  name: "domain",
  type: "string",
  required: true,
  positional: true,
  help: "domain name, id or uuid",
  complete: "domain",
};
const network: OptSpec = {
  name: "network",
  type: "string",
  required: true,
  positional: true,
  help: "network name or uuid",
  complete: "network",
};
const file = (help: string): OptSpec => ({
  name: "file",
  type: "string",
  required: true,
  positional: true,
  help,
  complete: "file",
});
const flag = (name: string, help: string): OptSpec => ({ name, type: "bool", help });
const str = (name: string, help: string): OptSpec => ({ name, type: "string", help });

type Module = "domain" | "monitor" | "network" | "host" | "shell";

/** Imports a handler module (`./NAME.ts`) when its first command runs. */
function loadModule(m: Module): Promise<Record<string, unknown>> {
  return importLazily(`./${m}.ts`, import.meta.url);
}

/** Commands that change something, refused by a read-only session. */
const MODIFYING = new Set([
  "autostart",
  "create",
  "define",
  "destroy",
  "edit",
  "reboot",
  "resume",
  "shutdown",
  "start",
  "suspend",
  "undefine",
]);

function cmd(
  name: string,
  group: CommandGroup,
  module: Module,
  handler: string,
  help: string,
  desc: string,
  opts: OptSpec[],
  extra: Partial<CommandSpec> = {},
): CommandSpec {
  const all = extra.json ? [...opts, flag("json", "print the result as JSON")] : opts;
  const load = async () => (await loadModule(module))[handler] as Handler;
  return { name, group, help, desc, opts: all, modifies: MODIFYING.has(name), load, ...extra };
}

const shutdownMode = str(
  "mode",
  "how to ask the guest: acpi, agent, initctl, signal or paravirt (comma-separated)",
);

/** Every command, in `help` order within each group. */
export const COMMANDS: readonly CommandSpec[] = [
  // Domain management
  cmd(
    "autostart",
    "domain",
    "domain",
    "autostart",
    "set a domain to start with the host",
    "Marks a domain to start when the host starts, or with --disable no longer.",
    [
      domain,
      flag("disable", "stop starting the domain with the host"),
    ],
  ),
  cmd(
    "create",
    "domain",
    "domain",
    "create",
    "create and start a domain from an XML file",
    "Creates a domain from an XML file and starts it; it goes away when it stops.",
    [
      file("file holding the domain XML"),
      flag("paused", "leave the domain paused after starting it"),
      flag("autodestroy", "destroy the domain when this connection closes"),
      flag("validate", "check the XML against the schema"),
    ],
  ),
  cmd(
    "define",
    "domain",
    "domain",
    "define",
    "define a domain from an XML file without starting it",
    "Defines a persistent domain from an XML file, or replaces the definition of an existing one.",
    [
      file("file holding the domain XML"),
      flag("validate", "check the XML against the schema"),
    ],
  ),
  cmd(
    "destroy",
    "domain",
    "domain",
    "destroy",
    "stop a domain at once",
    "Stops a running domain immediately, like pulling the power cord.",
    [
      domain,
      flag("graceful", "only ask the hypervisor process to terminate"),
    ],
  ),
  cmd(
    "domid",
    "domain",
    "domain",
    "domid",
    "print the id of a domain",
    "Prints the runtime id of a domain, or '-' when it is not running.",
    [domain],
    { json: true },
  ),
  cmd(
    "domname",
    "domain",
    "domain",
    "domname",
    "print the name of a domain",
    "Prints the name of a domain given its id or UUID.",
    [domain],
    { json: true },
  ),
  cmd(
    "domuuid",
    "domain",
    "domain",
    "domuuid",
    "print the UUID of a domain",
    "Prints the UUID of a domain given its name or id.",
    [domain],
    { json: true },
  ),
  cmd(
    "dumpxml",
    "domain",
    "domain",
    "dumpxml",
    "print the XML of a domain",
    "Prints the domain XML: the live definition, or the persistent one with --inactive.",
    [
      domain,
      flag("inactive", "print the persistent definition instead of the live one"),
      flag("security-info", "include security-sensitive values such as passwords"),
      flag("update-cpu", "update the guest CPU from the host"),
      flag("migratable", "print XML suitable for migration"),
    ],
    { json: true },
  ),
  cmd(
    "edit",
    "domain",
    "domain",
    "edit",
    "edit the XML of a domain in $EDITOR",
    "Opens the persistent domain XML in $VISUAL or $EDITOR and defines the result.",
    [
      domain,
      flag("skip-validate", "do not check the edited XML against the schema"),
    ],
  ),
  cmd(
    "reboot",
    "domain",
    "domain",
    "reboot",
    "reboot a domain",
    "Asks a running domain to reboot; what happens follows its on_reboot action.",
    [domain, shutdownMode],
  ),
  cmd(
    "resume",
    "domain",
    "domain",
    "resume",
    "resume a paused domain",
    "Lets a paused domain run again.",
    [domain],
  ),
  cmd(
    "shutdown",
    "domain",
    "domain",
    "shutdown",
    "shut a domain down gracefully",
    "Asks a domain to shut down; what happens follows its on_poweroff action.",
    [domain, shutdownMode],
  ),
  cmd(
    "start",
    "domain",
    "domain",
    "start",
    "start a defined domain",
    "Starts a domain that is defined but not running.",
    [
      domain,
      flag("paused", "leave the domain paused after starting it"),
      flag("autodestroy", "destroy the domain when this connection closes"),
      flag("bypass-cache", "bypass the host page cache when restoring"),
      flag("force-boot", "boot even if a managed save image exists"),
    ],
  ),
  cmd(
    "suspend",
    "domain",
    "domain",
    "suspend",
    "pause a running domain",
    "Pauses a running domain; it keeps its memory and can be resumed.",
    [domain],
  ),
  cmd(
    "undefine",
    "domain",
    "domain",
    "undefine",
    "remove the definition of a domain",
    "Removes a domain's persistent definition; a running domain keeps running as a transient one.",
    [
      domain,
      flag("managed-save", "also remove a managed save image"),
      flag("snapshots-metadata", "also remove snapshot metadata"),
      flag("checkpoints-metadata", "also remove checkpoint metadata"),
      flag("nvram", "also remove the NVRAM file"),
      flag("keep-nvram", "keep the NVRAM file"),
      flag("tpm", "also remove the TPM state"),
      flag("keep-tpm", "keep the TPM state"),
    ],
  ),
  cmd(
    "vcpucount",
    "domain",
    "domain",
    "vcpucount",
    "show the vCPU counts of a domain",
    "Shows the maximum and current vCPU counts of the persistent and live definitions.",
    [
      domain,
      flag("maximum", "show the maximum count"),
      flag("active", "show the current count"),
      flag("live", "show the live definition's count"),
      flag("config", "show the persistent definition's count"),
      flag("current", "show the count of the definition in effect"),
      flag("guest", "ask the guest agent"),
    ],
    { json: true },
  ),

  // Domain monitoring
  cmd(
    "dominfo",
    "monitor",
    "monitor",
    "dominfo",
    "show basic information about a domain",
    "Shows a domain's id, UUID, state, vCPUs, memory and security label.",
    [domain],
    { json: true },
  ),
  cmd(
    "dommemstat",
    "monitor",
    "monitor",
    "dommemstat",
    "show memory statistics of a running domain",
    "Shows the balloon driver's memory statistics of a running domain, in KiB.",
    [
      domain,
      flag("config", "for the persistent definition"),
      flag("live", "for the running domain"),
      flag("current", "for the definition in effect"),
    ],
    { json: true },
  ),
  cmd(
    "domstate",
    "monitor",
    "monitor",
    "domstate",
    "show the state of a domain",
    "Shows the state of a domain, and with --reason why it is in that state.",
    [
      domain,
      flag("reason", "also show the reason for the state"),
    ],
    { json: true },
  ),
  cmd(
    "list",
    "monitor",
    "monitor",
    "list",
    "list domains",
    "Lists running domains, or with filters the domains that match them.",
    [
      flag("inactive", "list inactive domains"),
      flag("all", "list active and inactive domains"),
      flag("transient", "list transient domains"),
      flag("persistent", "list persistent domains"),
      flag("with-snapshot", "list domains that have a snapshot"),
      flag("without-snapshot", "list domains without a snapshot"),
      flag("with-checkpoint", "list domains that have a checkpoint"),
      flag("without-checkpoint", "list domains without a checkpoint"),
      flag("state-running", "list running domains"),
      flag("state-paused", "list paused domains"),
      flag("state-shutoff", "list shut-off domains"),
      flag("state-other", "list domains in any other state"),
      flag("autostart", "list domains that start with the host"),
      flag("no-autostart", "list domains that do not start with the host"),
      flag("with-managed-save", "list domains with a managed save image"),
      flag("without-managed-save", "list domains without a managed save image"),
      flag("uuid", "print UUIDs only"),
      flag("name", "print names only"),
      flag("id", "print ids only"),
      flag("table", "print a table (the default)"),
      flag("managed-save", "show 'saved' for domains with a managed save image"),
      flag("title", "add a column with each domain's title"),
    ],
    { json: true },
  ),

  // Networking
  cmd(
    "net-dumpxml",
    "network",
    "network",
    "netDumpxml",
    "print the XML of a network",
    "Prints the network XML: the live definition, or the persistent one with --inactive.",
    [
      network,
      flag("inactive", "print the persistent definition instead of the live one"),
    ],
    { json: true },
  ),
  cmd(
    "net-info",
    "network",
    "network",
    "netInfo",
    "show basic information about a network",
    "Shows a network's UUID, whether it is active, persistent and autostarted, and its bridge.",
    [network],
    { json: true },
  ),
  cmd(
    "net-list",
    "network",
    "network",
    "netList",
    "list networks",
    "Lists active networks, or with filters the networks that match them.",
    [
      flag("inactive", "list inactive networks"),
      flag("all", "list active and inactive networks"),
      flag("persistent", "list persistent networks"),
      flag("transient", "list transient networks"),
      flag("autostart", "list networks that start with the host"),
      flag("no-autostart", "list networks that do not start with the host"),
      flag("uuid", "print UUIDs only"),
      flag("name", "print names only"),
      flag("table", "print a table (the default)"),
    ],
    { json: true },
  ),
  cmd(
    "net-name",
    "network",
    "network",
    "netName",
    "print the name of a network",
    "Prints the name of a network given its UUID.",
    [
      { ...network, name: "network", help: "network uuid" },
    ],
    { json: true },
  ),
  cmd(
    "net-uuid",
    "network",
    "network",
    "netUuid",
    "print the UUID of a network",
    "Prints the UUID of a network given its name.",
    [
      { ...network, help: "network name" },
    ],
    { json: true },
  ),

  // Host and hypervisor
  cmd(
    "capabilities",
    "host",
    "host",
    "capabilities",
    "print the host capabilities XML",
    "Prints what the host offers and which guests it can run, as capabilities XML.",
    [],
    { json: true },
  ),
  cmd(
    "hostname",
    "host",
    "host",
    "hostname",
    "print the hypervisor's host name",
    "Prints the name of the host the connection runs on.",
    [],
    { json: true },
  ),
  cmd(
    "nodeinfo",
    "host",
    "host",
    "nodeinfo",
    "show the host's processors and memory",
    "Shows the host's CPU model, count, frequency and topology, and its memory.",
    [],
    { json: true },
  ),
  cmd(
    "uri",
    "host",
    "host",
    "uri",
    "print the connection URI",
    "Prints the canonical URI of the current connection.",
    [],
    { json: true },
  ),
  cmd(
    "version",
    "host",
    "host",
    "version",
    "show versions",
    "Shows the versions of virtkit and of the hypervisor.",
    [],
    { json: true },
  ),

  // The shell itself
  cmd(
    "complete",
    "virtkit",
    "shell",
    "complete",
    "list completions for a partial command line",
    "Prints the words that may follow a partial command line, one a line; shell completion scripts call it.",
    [
      { name: "words", type: "string", positional: true, help: "the partial command line" },
    ],
    { noConnect: true, hidden: true },
  ),
  cmd(
    "completion",
    "virtkit",
    "shell",
    "completion",
    "print a shell completion script",
    "Prints a completion script for bash or zsh; see 'help completion'.",
    [
      {
        name: "shell",
        type: "string",
        required: true,
        positional: true,
        help: "bash or zsh",
        complete: "shell",
      },
    ],
    { noConnect: true },
  ),
  cmd(
    "connect",
    "virtkit",
    "shell",
    "connect",
    "connect to a hypervisor",
    "Closes the current connection and opens another (the default one without a URI).",
    [
      { name: "name", type: "string", positional: true, help: "connection URI" },
      flag("readonly", "open a read-only connection"),
    ],
    { noConnect: true },
  ),
  cmd(
    "exit",
    "virtkit",
    "shell",
    "quit",
    "leave the interactive shell",
    "Leaves the interactive shell.",
    [],
    { noConnect: true },
  ),
  cmd(
    "help",
    "virtkit",
    "shell",
    "help",
    "print help",
    "Lists the commands, or describes one command or group.",
    [
      {
        name: "command",
        type: "string",
        positional: true,
        help: "a command or group name",
        complete: "command",
      },
    ],
    { noConnect: true },
  ),
  cmd(
    "quit",
    "virtkit",
    "shell",
    "quit",
    "leave the interactive shell",
    "Leaves the interactive shell.",
    [],
    { noConnect: true },
  ),
];

/** Group titles and their help keywords, in listing order. */
export const GROUPS: readonly [CommandGroup, string][] = [
  ["domain", "Domain Management"],
  ["monitor", "Domain Monitoring"],
  ["host", "Host and Hypervisor"],
  ["network", "Networking"],
  ["virtkit", "The virtkit shell"],
];

/** The command called `name`, or undefined. */
export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
