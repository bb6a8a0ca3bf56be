/**
 * `domxml-to-native qemu-argv`: the command line a domain XML would run,
 * with the folders, socket paths and ports the driver would use for a
 * guest that is not running (id -1, VNC display :0 for `autoport`).
 * @module
 */
import { parseDomainXml } from "../../src/conf/domain/parse.ts";
import { buildQemuArgv } from "./argv.ts";
import { validateDomainForEmulator } from "./caps.ts";
import { HOST_ARCH, type QemuHost } from "./host.ts";
import { prepareInterfaces } from "./resources.ts";
import { completeDefinition } from "./start.ts";

/** Quotes a word for a POSIX shell when it needs it. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,@+%-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/**
 * The environment and command line of a domain, as one shell line
 * (`LC_ALL=C PATH=... /usr/bin/qemu-system-x86_64 -name ...`).
 *
 * @throws VirtError naming the element the driver cannot run
 */
export async function domainXmlToArgv(host: QemuHost, xml: string): Promise<string> {
  const def = parseDomainXml(xml, { inactive: true, defaultArch: HOST_ARCH });
  const caps = await completeDefinition(host, def);
  validateDomainForEmulator(def, caps);
  const dir = `${host.paths.statusDir}/domain--1-${def.name}`;
  const graphics = def.devices.graphics.map((g) =>
    g.type === "vnc"
      ? { port: g.autoport ? 5900 : undefined, websocket: g.websocket === -1 ? 5700 : undefined }
      : {}
  );
  const cmd = buildQemuArgv(def, {
    caps,
    paths: {
      monitor: `${dir}/monitor.sock`,
      channelDir: `${dir}/channel`,
      pidfile: `${dir}/qemu.pid`,
      home: dir,
    },
    graphics,
    interfaces: (await prepareInterfaces(def, { dryRun: true })).hosts,
  });
  const env = Object.entries(cmd.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return [...env, ...[cmd.binary, ...cmd.args].map(shellQuote)].join(" ") + "\n";
}
