/**
 * `<dns>`: the network's DNS service (forwarders, TXT, SRV and host records).
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { DnsDef, DnsHost, DnsSrv, DnsTxt } from "./def.ts";
import { canonicalIp } from "./ipaddr.ts";

/** Longest SRV service name (a DNS record's 512 bytes less overhead, RFC 2782). */
const SRV_SERVICE_MAX = 512 - 30;
const SRV_SERVICE_RE = /^[A-Za-z0-9_\-+/*]*$/;
const SRV_PROTOCOL_RE = /^[A-Za-z0-9\-+/]*$/;

function parseHost(r: XmlReader): DnsHost {
  const ipText = r.req("ip");
  const ip = canonicalIp(ipText);
  if (!ip) throw r.error(`invalid address '${ipText}' in the 'ip' attribute of a DNS <host>`);
  const hostnames = r.children("hostname").map((h) => {
    const name = h.text();
    if (name === "") throw h.error("empty <hostname> in a DNS <host>");
    return name;
  });
  if (hostnames.length === 0) throw r.error("a DNS <host> needs at least one <hostname>");
  return { ip, hostnames };
}

function srvNumber(r: XmlReader, name: string, min: number, hasTarget: boolean): number | undefined {
  if (r.attr(name) === undefined) return undefined;
  const v = r.uint(name);
  if (!hasTarget) throw r.error(`the SRV '${name}' attribute is not allowed without 'target'`);
  if (v === undefined || v < min || v > 65535) throw r.error(`invalid SRV ${name} '${r.attr(name)}', it must be ${min} - 65535`);
  return v;
}

function parseSrv(r: XmlReader): DnsSrv {
  const service = r.req("service");
  if (service.length > SRV_SERVICE_MAX) throw r.error(`SRV service '${service}' is too long (at most ${SRV_SERVICE_MAX} bytes)`);
  if (!SRV_SERVICE_RE.test(service)) throw r.error(`invalid character in SRV service '${service}'`);
  const protocol = r.req("protocol");
  if (!SRV_PROTOCOL_RE.test(protocol)) throw r.error(`invalid character in SRV protocol '${protocol}'`);
  const target = r.attr("target");
  return {
    service,
    protocol,
    domain: r.attr("domain"),
    target,
    port: srvNumber(r, "port", 1, target !== undefined),
    priority: srvNumber(r, "priority", 0, target !== undefined),
    weight: srvNumber(r, "weight", 0, target !== undefined),
  };
}

function parseTxt(r: XmlReader): DnsTxt {
  const name = r.req("name");
  if (/[ ,]/.test(name)) throw r.error(`DNS TXT record name '${name}' must not contain a space or a comma`);
  return { name, value: r.req("value") };
}

/** Parses `<dns>`. */
export function parseDns(r: XmlReader): DnsDef {
  const def: DnsDef = {
    enable: r.yesNo("enable"),
    forwardPlainNames: r.yesNo("forwardPlainNames"),
    forwarders: r.children("forwarder").map((f) => {
      const addrText = f.attr("addr");
      const addr = addrText === undefined ? undefined : canonicalIp(addrText);
      if (addrText !== undefined && !addr) throw f.error(`invalid forwarder address '${addrText}' in the 'addr' attribute`);
      const domain = f.attr("domain");
      if (addr === undefined && domain === undefined) throw f.error("a <forwarder> needs an 'addr' or a 'domain' attribute");
      return { domain, addr };
    }),
    hosts: r.children("host").map(parseHost),
    srvs: r.children("srv").map(parseSrv),
    txts: r.children("txt").map(parseTxt),
  };
  if (def.enable === false && (def.forwarders.length || def.hosts.length || def.srvs.length || def.txts.length)) {
    throw r.error("<dns enable='no'> must not contain forwarders or records");
  }
  return def;
}

const yesNo = (b: boolean | undefined) => (b === undefined ? undefined : b ? "yes" : "no");

/** Writes `<dns>` when it has any setting. */
export function formatDns(w: XmlWriter, d: DnsDef | undefined): void {
  if (!d) return;
  const attrs: [string, string | undefined][] = [["enable", yesNo(d.enable)], ["forwardPlainNames", yesNo(d.forwardPlainNames)]];
  w.group("dns", attrs, (w) => {
    for (const f of d.forwarders) w.elem("forwarder", [["domain", f.domain], ["addr", f.addr]]);
    for (const t of d.txts) w.elem("txt", [["name", t.name], ["value", t.value]]);
    for (const s of d.srvs) {
      w.elem("srv", [
        ["service", s.service],
        ["protocol", s.protocol],
        ["domain", s.domain],
        ["target", s.target],
        ["port", s.port || undefined],
        ["priority", s.priority || undefined],
        ["weight", s.weight || undefined],
      ]);
    }
    for (const h of d.hosts) {
      w.block("host", [["ip", h.ip]], (w) => {
        for (const n of h.hostnames) w.text("hostname", n);
      });
    }
  });
}
