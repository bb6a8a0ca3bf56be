/**
 * Shared pieces of the network driver tests: what they need from the host,
 * throwaway names and subnets, namespaces joined to a bridge, a DHCP client
 * run in a namespace, and the host's state as `ip -j` and nft report it.
 * @module
 */
import { hasCommand, skipUnless } from "../skip.ts";
import { ip, ipJson } from "../sys/helpers.ts";

export { cleanupLink, ip, ipJson, uniqueName } from "../sys/helpers.ts";

/** Whether the host-changing network tests should be skipped. */
export const SKIP_HOST = skipUnless(
  Deno.uid() === 0 && hasCommand("ip") && hasCommand("dnsmasq") && hasCommand("nft") &&
    hasCommand("busybox"),
  "network driver tests need root, iproute2, dnsmasq, nftables and busybox",
);

/**
 * A random /24 inside 10.0.0.0/8 that the host does not route yet, as its
 * first three octets (`10.N.M`): tests add a host part.
 */
export function uniqueSubnet(): string {
  const routed = new Set(ipJson("route", "show").map((r) => String(r.dst)));
  for (;;) {
    const s = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
    if (!routed.has(`${s}.0/24`)) return s;
  }
}

/** The names of every link on the host, sorted: compare before and after to see what changed. */
export function linkNames(): string[] {
  return ipJson("link", "show").map((l) => l.ifname as string).sort();
}

/** The names of every nftables table. */
export function nftTables(): string[] {
  const out = new Deno.Command("nft", { args: ["-j", "list", "tables"], stdout: "piped" })
    .outputSync();
  const json = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    nftables: { table?: { family: string; name: string } }[];
  };
  return json.nftables.flatMap((o) => o.table ? [`${o.table.family} ${o.table.name}`] : []).sort();
}

/** The pids of the dnsmasq processes whose command line mentions `text`. */
export function dnsmasqPids(text: string): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const zombie = stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z";
      if (!zombie && cmd.includes("dnsmasq") && cmd.includes(text)) pids.push(Number(e.name));
    } catch { /* gone */ }
  }
  return pids;
}

/** Runs a command inside a namespace; returns its output, throwing on failure. */
export async function inNs(ns: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("ip", {
    args: ["netns", "exec", ns, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${args.join(" ")} in ${ns}: ${dec.decode(out.stdout)}${dec.decode(out.stderr)}`,
    );
  }
  return dec.decode(out.stdout);
}

/** A namespace joined to a bridge by a veth pair: the host end `host`, `eth0` inside. */
export interface Guest {
  ns: string;
  host: string;
  mac: string;
}

/** Creates a namespace and a veth pair into it, the host end on `bridge`, both ends up. */
export function joinBridge(bridge: string, tag: string, mac: string): Guest {
  const ns = `vktns${tag}${crypto.randomUUID().slice(0, 6)}`;
  const host = `vkth${tag}${crypto.randomUUID().slice(0, 6)}`;
  ip("netns", "add", ns);
  ip("link", "add", host, "type", "veth", "peer", "name", "eth0", "address", mac, "netns", ns);
  ip("link", "set", host, "master", bridge, "up");
  ip("-n", ns, "link", "set", "lo", "up");
  ip("-n", ns, "link", "set", "eth0", "up");
  return { ns, host, mac };
}

/** Removes what {@link joinBridge} made; missing pieces are fine. */
export function leave(g: Guest): void {
  for (const args of [["link", "del", g.host], ["netns", "del", g.ns]]) {
    new Deno.Command("ip", { args, stdout: "null", stderr: "null" }).outputSync();
  }
}

/**
 * Asks for a DHCP lease on `eth0` inside a namespace with busybox udhcpc
 * and configures the address it gets; returns that address.
 */
export async function dhcpInNs(g: Guest, dir: string): Promise<string> {
  const script = `${dir}/udhcpc-${g.ns}.sh`;
  const result = `${dir}/udhcpc-${g.ns}.addr`;
  await Deno.writeTextFile(
    script,
    `#!/bin/sh
case "$1" in
  bound|renew)
    ip addr add "$ip/\${mask:-24}" dev "$interface"
    echo "$ip" > ${result}
    ;;
esac
exit 0
`,
    { mode: 0o755 },
  );
  await inNs(
    g.ns,
    "busybox",
    "udhcpc",
    "-i",
    "eth0",
    "-n",
    "-q",
    "-t",
    "10",
    "-T",
    "1",
    "-s",
    script,
  );
  return (await Deno.readTextFile(result)).trim();
}

/** Reads a /proc/sys setting, so a test can put it back. */
export function readSysctl(path: string): string {
  return Deno.readTextFileSync(path).trim();
}
