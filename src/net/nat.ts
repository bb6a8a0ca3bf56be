/**
 * The firewall of a virtual network, in nftables: one table per network,
 * `inet virtkit_BRIDGE`, holding a `forward` chain (what may enter and
 * leave the bridge) and, in NAT mode, a `postrouting` chain that
 * masquerades the network's subnets. The whole table is written in one
 * `nft -f -` transaction and removed again with one `delete table`, so a
 * network never leaves half its rules behind.
 *
 * | forward mode | forward chain | postrouting |
 * | --- | --- | --- |
 * | `nat` | replies in to the subnet, anything out from it, guest to guest | masquerade (or SNAT to `<nat><address>`) for traffic leaving the subnet |
 * | `route` | anything in to and out from the subnet, guest to guest | none |
 * | none (isolated) | guest to guest only | none |
 * | `open` and the rest | no table at all | |
 *
 * Every chain has policy `accept`: the rules reject only traffic of this
 * network's bridge that the mode does not allow.
 * @module
 */
import type { IpDef, NetworkDef } from "../conf/network/def.ts";
import { ipSubnet } from "../conf/network/ip.ts";
import { formatIp, networkAddress } from "../conf/network/ipaddr.ts";
import { VirtError } from "../errors.ts";

/** The prefix of every table virtkit creates. */
export const TABLE_PREFIX = "virtkit_";

/** The `nft` binary (installed by `scripts/setup.sh`). */
const NFT = "nft";

/**
 * The nftables table of a network whose bridge is `bridge`: `virtkit_` and
 * the bridge name, or its bytes in hex when it has characters nft does not
 * allow in a table name (which cannot be quoted).
 */
export function firewallTable(bridge: string): string {
  if (/^[A-Za-z0-9_.-]+$/.test(bridge)) return `${TABLE_PREFIX}${bridge}`;
  const hex = [...new TextEncoder().encode(bridge)].map((b) => b.toString(16).padStart(2, "0"));
  return `${TABLE_PREFIX}x${hex.join("")}`;
}

/** Whether a network in this mode gets a firewall table. */
export function needsFirewall(def: NetworkDef): boolean {
  const mode = def.forward?.mode;
  return mode === undefined || mode === "nat" || mode === "route";
}

/** A name quoted for nft's text syntax; characters nft cannot quote are refused. */
function q(name: string): string {
  if (/["\\\n]/.test(name)) {
    throw new VirtError(
      "config-unsupported",
      "network",
      `the name '${name}' cannot be used in a firewall rule`,
    );
  }
  return `"${name}"`;
}

/** One subnet of the network: `ip`/`ip6`, and the `ADDR/PREFIX` text. */
interface Subnet {
  proto: "ip" | "ip6";
  cidr: string;
}

function subnetOf(ip: IpDef): Subnet | undefined {
  const s = ipSubnet(ip);
  if (s.prefix === undefined) return undefined;
  return {
    proto: s.address.family === "ipv4" ? "ip" : "ip6",
    cidr: `${formatIp(networkAddress(s.address, s.prefix))}/${s.prefix}`,
  };
}

/** The masquerade or SNAT statement of NAT mode. */
function natTarget(def: NetworkDef, proto: "ip" | "ip6", ports: boolean): string {
  const nat = def.forward?.nat;
  const portRange = nat?.portStart !== undefined
    ? `${nat.portStart}-${nat.portEnd ?? nat.portStart}`
    : "1024-65535";
  if (proto === "ip" && nat?.start) {
    const range = nat.end && nat.end !== nat.start ? `${nat.start}-${nat.end}` : nat.start;
    return `snat ip to ${range}${ports ? `:${portRange}` : ""}`;
  }
  return ports ? `masquerade to :${portRange}` : "masquerade";
}

/**
 * The nft script that (re)creates the table of a network: it adds and
 * deletes the table first, so applying it replaces any older copy in the
 * same transaction.
 *
 * @throws VirtError when the network has no bridge name
 */
export function firewallScript(def: NetworkDef): string {
  const bridge = def.bridge?.name;
  if (!bridge) {
    throw new VirtError("internal-error", "network", `network '${def.name}' has no bridge name`);
  }
  const table = `inet ${firewallTable(bridge)}`;
  const br = q(bridge);
  const mode = def.forward?.mode;
  const dev = def.forward?.interfaces[0]?.type === "netdev"
    ? def.forward.interfaces[0].dev
    : undefined;
  const inDev = dev ? `iifname ${q(dev)} ` : "";
  const outDev = dev ? `oifname ${q(dev)} ` : "";
  const subnets = def.ips.map(subnetOf).filter((s) => s !== undefined);
  const natIpv6 = def.forward?.nat?.ipv6 === true;
  const forward: string[] = [];
  const post: string[] = [];
  if (mode === "nat" || mode === "route") {
    for (const s of subnets) {
      if (mode === "nat" && s.proto === "ip6" && !natIpv6) {
        // IPv6 is routed, not translated, unless <nat ipv6='yes'>.
        forward.push(`${inDev}oifname ${br} ${s.proto} daddr ${s.cidr} accept`);
      } else if (mode === "nat") {
        forward.push(
          `${inDev}oifname ${br} ${s.proto} daddr ${s.cidr} ct state related,established accept`,
        );
      } else {
        forward.push(`${inDev}oifname ${br} ${s.proto} daddr ${s.cidr} accept`);
      }
      forward.push(`iifname ${br} ${outDev}${s.proto} saddr ${s.cidr} accept`);
      if (mode !== "nat" || (s.proto === "ip6" && !natIpv6)) continue;
      const from = `${s.proto} saddr ${s.cidr}`;
      if (s.proto === "ip") {
        post.push(`${from} ip daddr 224.0.0.0/24 return`);
        post.push(`${from} ip daddr 255.255.255.255 return`);
      } else {
        post.push(`${from} ip6 daddr ff02::/16 return`);
      }
      post.push(
        `${outDev}${from} ${s.proto} daddr != ${s.cidr} meta l4proto { tcp, udp } ${
          natTarget(def, s.proto, true)
        }`,
      );
      post.push(`${outDev}${from} ${s.proto} daddr != ${s.cidr} ${natTarget(def, s.proto, false)}`);
    }
  }
  forward.push(`iifname ${br} oifname ${br} accept`);
  forward.push(`oifname ${br} reject`);
  forward.push(`iifname ${br} reject`);
  const lines = [
    `add table ${table}`,
    `delete table ${table}`,
    `table ${table} {`,
    "  chain forward {",
    "    type filter hook forward priority filter; policy accept;",
    ...forward.map((r) => `    ${r}`),
    "  }",
  ];
  if (post.length) {
    lines.push(
      "  chain postrouting {",
      "    type nat hook postrouting priority srcnat; policy accept;",
      ...post.map((r) => `    ${r}`),
      "  }",
    );
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

async function nft(args: string[], input?: string): Promise<string> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(NFT, {
      args,
      stdin: input === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    throw new VirtError(
      "system-error",
      "network",
      `cannot run '${NFT}': ${(e as Error).message} (install nftables)`,
    );
  }
  if (input !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new VirtError(
      "system-error",
      "network",
      `nft ${args.join(" ")} failed: ${dec.decode(out.stderr).trim()}`,
    );
  }
  return dec.decode(out.stdout);
}

/** Creates (or replaces) the firewall table of a network. */
export async function addFirewall(def: NetworkDef): Promise<void> {
  await nft(["-f", "-"], firewallScript(def));
}

/** Removes the firewall table of the network on `bridge`; a missing table is fine. */
export async function removeFirewall(bridge: string): Promise<void> {
  if (!(await listFirewallTables()).includes(firewallTable(bridge))) return;
  await nft(["-f", "-"], `delete table inet ${firewallTable(bridge)}\n`);
}

/** The names of the `inet` tables virtkit created that exist now. */
export async function listFirewallTables(): Promise<string[]> {
  const out = JSON.parse(await nft(["-j", "list", "tables", "inet"])) as {
    nftables: { table?: { name: string } }[];
  };
  return out.nftables.flatMap((o) => o.table ? [o.table.name] : []).filter((n) =>
    n.startsWith(TABLE_PREFIX)
  );
}

/** The rules of a network's table as nft reports them (`nft -j list table`), or undefined. */
export async function firewallRules(bridge: string): Promise<unknown[] | undefined> {
  const name = firewallTable(bridge);
  if (!(await listFirewallTables()).includes(name)) return undefined;
  const out = JSON.parse(await nft(["-j", "list", "table", "inet", name])) as {
    nftables: { rule?: unknown }[];
  };
  return out.nftables.flatMap((o) => o.rule ? [o.rule] : []);
}

/**
 * Turns on IPv4 (and for a network with IPv6 addresses, IPv6) forwarding,
 * as libvirt does for `nat` and `route` networks. It is never turned off
 * again: other networks may rely on it.
 */
export async function enableForwarding(def: NetworkDef): Promise<void> {
  const mode = def.forward?.mode;
  if (mode !== "nat" && mode !== "route") return;
  const v6 = def.ips.some((ip) => ip.address.includes(":"));
  const files = ["/proc/sys/net/ipv4/ip_forward"];
  if (v6) files.push("/proc/sys/net/ipv6/conf/all/forwarding");
  for (const f of files) {
    try {
      if ((await Deno.readTextFile(f)).trim() !== "1") await Deno.writeTextFile(f, "1\n");
    } catch (e) {
      throw new VirtError(
        "system-error",
        "network",
        `cannot enable forwarding through '${f}': ${(e as Error).message}`,
      );
    }
  }
}
