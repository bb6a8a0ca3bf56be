/**
 * The dnsmasq process of a virtual network: its files under
 * `STATUS/dnsmasq/` (the configuration from {@link networkToDnsmasq}, the
 * DHCP hosts file, the DNS hosts file, the leases file and the pid file),
 * starting it, telling it to re-read its hosts files (SIGHUP), stopping it,
 * and reading its leases for `net-dhcp-leases`.
 *
 * dnsmasq runs as a daemon. The process we start exits once the daemon is
 * ready, with a non-zero status and dnsmasq's message when it is not, so a
 * bad option is reported before {@link startDnsmasq} returns.
 * @module
 */
import type { NetworkDef } from "../conf/network/def.ts";
import type { NetworkDHCPLease } from "../connect.ts";
import { ipSubnet } from "../conf/network/ip.ts";
import { parseIp, sameSubnet } from "../conf/network/ipaddr.ts";
import { VirtError } from "../errors.ts";
import { ensureDir, writeFileAtomic } from "../state/mod.ts";
import { escapeXml } from "../xml/mod.ts";
import { networkToDnsmasq } from "./dnsmasq.ts";

/** The dnsmasq binary. */
const DNSMASQ = "dnsmasq";

/** The files of one network's dnsmasq. */
export interface DnsmasqPaths {
  /** The folder holding them all. */
  dir: string;
  conf: string;
  hostsfile: string;
  addnhosts: string;
  leases: string;
  pid: string;
}

/** Where the dnsmasq files of network `name` go under a driver's status folder. */
export function dnsmasqPaths(statusDir: string, name: string): DnsmasqPaths {
  const dir = `${statusDir}/dnsmasq`;
  // The configuration names the hosts files after the XML-escaped name, as libvirt does.
  const base = `${dir}/${escapeXml(name)}`;
  return {
    dir,
    conf: `${dir}/${name}.conf`,
    hostsfile: `${base}.hostsfile`,
    addnhosts: `${base}.addnhosts`,
    leases: `${dir}/${name}.leases`,
    pid: `${dir}/${name}.pid`,
  };
}

/** Whether a network in this state needs a dnsmasq: an address, and DNS or DHCP to serve. */
export function needsDnsmasq(def: NetworkDef): boolean {
  if (def.ips.length === 0) return false;
  const dhcp = def.ips.some((ip) => ip.dhcpRanges.length > 0 || ip.dhcpHosts.length > 0);
  return dhcp || def.dns?.enable !== false;
}

/**
 * Writes the configuration and hosts files of a network; returns whether
 * the configuration text changed (a running dnsmasq must then restart; a
 * SIGHUP re-reads only the hosts files).
 */
export async function writeDnsmasqFiles(def: NetworkDef, p: DnsmasqPaths): Promise<boolean> {
  const files = networkToDnsmasq(def, { stateDir: p.dir });
  let old: string | undefined;
  try {
    old = await Deno.readTextFile(p.conf);
  } catch { /* first start */ }
  await ensureDir(p.dir, 0o700);
  await writeFileAtomic(p.conf, files.conf);
  await writeFileAtomic(p.hostsfile, files.hostsfile ?? "");
  await writeFileAtomic(p.addnhosts, files.addnhosts);
  return old !== files.conf;
}

/**
 * Writes the files and starts dnsmasq for a network; returns its pid.
 *
 * @throws VirtError `operation-failed` with dnsmasq's message when it does not start
 */
export async function startDnsmasq(def: NetworkDef, p: DnsmasqPaths): Promise<number> {
  await writeDnsmasqFiles(def, p);
  await Deno.remove(p.pid).catch(() => {});
  const args = [`--conf-file=${p.conf}`, `--pid-file=${p.pid}`, `--dhcp-leasefile=${p.leases}`];
  // As root dnsmasq would switch to an unprivileged user that cannot read the status folder.
  if (Deno.uid() === 0) args.push("--user=root");
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(DNSMASQ, { args, stdin: "null", stdout: "null", stderr: "piped" })
      .output();
  } catch (e) {
    throw new VirtError(
      "system-error",
      "network",
      `cannot run '${DNSMASQ}': ${(e as Error).message} (install dnsmasq)`,
    );
  }
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).trim().replace(/^dnsmasq: /, "");
    throw new VirtError(
      "operation-failed",
      "network",
      `dnsmasq for network '${def.name}' failed to start (exit status ${out.code}): ${why}`,
    );
  }
  const pid = await readPid(p);
  if (pid === undefined) {
    throw new VirtError(
      "operation-failed",
      "network",
      `dnsmasq for network '${def.name}' started but wrote no pid file '${p.pid}'`,
    );
  }
  return pid;
}

/** The pid of the network's dnsmasq, when its pid file names a live dnsmasq using its config. */
export async function readPid(p: DnsmasqPaths): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await Deno.readTextFile(p.pid)).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const cmdline = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
    return cmdline.includes(`--conf-file=${p.conf}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Tells a running dnsmasq to re-read its hosts files; false when none runs. */
export async function reloadDnsmasq(p: DnsmasqPaths): Promise<boolean> {
  const pid = await readPid(p);
  if (pid === undefined) return false;
  Deno.kill(pid, "SIGHUP");
  return true;
}

/** Stops the network's dnsmasq (SIGTERM, then SIGKILL after 5 s) and removes its pid file. */
export async function stopDnsmasq(p: DnsmasqPaths): Promise<void> {
  const pid = await readPid(p);
  if (pid !== undefined) {
    try {
      Deno.kill(pid, "SIGTERM");
    } catch { /* already gone */ }
    const deadline = Date.now() + 5000;
    while (await alive(pid)) {
      if (Date.now() > deadline) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* gone */ }
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  await Deno.remove(p.pid).catch(() => {});
}

/** Removes every dnsmasq file of a network (after it stopped, when the network goes away). */
export async function removeDnsmasqFiles(p: DnsmasqPaths): Promise<void> {
  for (const f of [p.conf, p.hostsfile, p.addnhosts, p.leases, p.pid]) {
    await Deno.remove(f).catch(() => {});
  }
}

async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    // A zombie has exited: only its parent's wait is missing.
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/**
 * The leases in dnsmasq's leases file that have not expired, for the
 * network `def` (whose addresses give each lease its prefix). A lease file
 * line is `EXPIRY MAC IP HOSTNAME CLIENTID` (`*` for none); IPv6 leases
 * follow a `duid SERVER-DUID` line and carry the IAID in place of the MAC.
 *
 * @param mac only the leases of this MAC address (any case)
 * @param now the current time in seconds since the epoch
 */
export async function readLeases(
  def: NetworkDef,
  p: DnsmasqPaths,
  mac?: string,
  now = Math.floor(Date.now() / 1000),
): Promise<NetworkDHCPLease[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(p.leases);
  } catch {
    return [];
  }
  return parseLeases(def, text, mac, now);
}

/** {@link readLeases} on the text of a leases file. */
export function parseLeases(
  def: NetworkDef,
  text: string,
  mac?: string,
  now = Math.floor(Date.now() / 1000),
): NetworkDHCPLease[] {
  const iface = def.bridge?.name ?? "";
  const out: NetworkDHCPLease[] = [];
  let duid: string | undefined;
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3) {
      if (f[0] === "duid" && f[1]) duid = f[1];
      continue;
    }
    if (f[0] === "duid") {
      duid = f[1];
      continue;
    }
    const expiry = Number(f[0]);
    if (!Number.isFinite(expiry) || (expiry !== 0 && expiry < now)) continue;
    const addr = parseIp(f[2]);
    if (!addr) continue;
    const ipdef = def.ips.find((ip) => {
      const s = ipSubnet(ip);
      return s.prefix !== undefined && sameSubnet(s.address, addr, s.prefix);
    });
    const v6 = addr.family === "ipv6";
    const lease: NetworkDHCPLease = {
      iface,
      expirytime: expiry,
      type: v6 ? 1 : 0,
      ipaddr: f[2],
      prefix: ipdef ? ipSubnet(ipdef).prefix ?? 0 : 0,
      hostname: f[3] && f[3] !== "*" ? f[3] : undefined,
    };
    if (v6) {
      lease.iaid = f[1];
      lease.clientid = duid;
    } else {
      lease.mac = f[1].toLowerCase();
      lease.clientid = f[4] && f[4] !== "*" ? f[4] : undefined;
    }
    if (mac !== undefined && lease.mac !== mac.toLowerCase()) continue;
    out.push(lease);
  }
  return out;
}
