/**
 * Hypervisor-specific extensions carried in their own XML namespaces:
 * `qemu:commandline`, `qemu:capabilities`, `qemu:deprecation`,
 * `lxc:namespace`, `bhyve:commandline`, `xen:commandline` and
 * `vmware:datacenterpath`. They are recognised by namespace URI and written
 * back with libvirt's fixed prefixes.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";

/** Namespace URIs by the prefix libvirt writes them with. */
export const NAMESPACE_URIS = {
  qemu: "http://libvirt.org/schemas/domain/qemu/1.0",
  lxc: "http://libvirt.org/schemas/domain/lxc/1.0",
  bhyve: "http://libvirt.org/schemas/domain/bhyve/1.0",
  xen: "http://xen.org/",
  vmware: "http://libvirt.org/schemas/domain/vmware/1.0",
} as const;

/** Extra command-line arguments and environment for an emulator. */
export interface CommandlineDef {
  args: string[];
  env: { name: string; value?: string }[];
}

/** Everything found in the extension namespaces. */
export interface NamespaceData {
  qemu?: {
    commandline?: CommandlineDef;
    capabilities?: { add: string[]; del: string[] };
    deprecation?: string;
  };
  lxc?: { share: { kind: "sharenet" | "shareipc" | "shareuts"; type: string; value: string }[] };
  bhyve?: { commandline: CommandlineDef };
  xen?: { commandline: CommandlineDef };
  vmware?: { datacenterPath: string };
}

function parseCommandline(r: XmlReader, uri: string): CommandlineDef {
  return {
    args: r.childrenNs(uri, "arg").map((a) => a.req("value")),
    env: r.childrenNs(uri, "env").map((e) => {
      const name = e.req("name");
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw e.error(`invalid environment name '${name}', it must begin with a letter or underscore`);
      return { name, value: e.attr("value") };
    }),
  };
}

/** Reads the extension elements of a `<domain>`; undefined when there are none. */
export function parseNamespaces(dom: XmlReader): NamespaceData | undefined {
  const ns: NamespaceData = {};
  const Q = NAMESPACE_URIS.qemu;
  const qcl = dom.childrenNs(Q, "commandline")[0];
  const qcaps = dom.childrenNs(Q, "capabilities")[0];
  const qdep = dom.childrenNs(Q, "deprecation")[0];
  if (qcl || qcaps || qdep) {
    ns.qemu = {
      commandline: qcl ? parseCommandline(qcl, Q) : undefined,
      capabilities: qcaps
        ? { add: qcaps.childrenNs(Q, "add").map((a) => a.req("capability")), del: qcaps.childrenNs(Q, "del").map((a) => a.req("capability")) }
        : undefined,
      deprecation: qdep?.reqEnum("behavior", ["none", "omit", "reject", "crash"]),
    };
  }
  const lns = dom.childrenNs(NAMESPACE_URIS.lxc, "namespace")[0];
  if (lns) {
    const share: NonNullable<NamespaceData["lxc"]>["share"] = [];
    for (const kind of ["sharenet", "shareipc", "shareuts"] as const) {
      const c = lns.childrenNs(NAMESPACE_URIS.lxc, kind)[0];
      if (c) share.push({ kind, type: c.reqEnum("type", ["netns", "name", "pid"]), value: c.req("value") });
    }
    ns.lxc = { share };
  }
  const bcl = dom.childrenNs(NAMESPACE_URIS.bhyve, "commandline")[0];
  if (bcl) ns.bhyve = { commandline: parseCommandline(bcl, NAMESPACE_URIS.bhyve) };
  const xcl = dom.childrenNs(NAMESPACE_URIS.xen, "commandline")[0];
  if (xcl) ns.xen = { commandline: parseCommandline(xcl, NAMESPACE_URIS.xen) };
  const dcp = dom.childrenNs(NAMESPACE_URIS.vmware, "datacenterpath")[0];
  if (dcp) ns.vmware = { datacenterPath: dcp.text() };
  return Object.keys(ns).length ? ns : undefined;
}

/** The `xmlns:` attributes the root element needs for `ns`. */
export function namespaceAttrs(ns: NamespaceData | undefined): [string, string][] {
  if (!ns) return [];
  return (Object.keys(NAMESPACE_URIS) as (keyof NamespaceData)[])
    .filter((k) => ns[k] !== undefined)
    .map((k) => [`xmlns:${k}`, NAMESPACE_URIS[k]]);
}

function formatCommandline(w: XmlWriter, prefix: string, cl: CommandlineDef): void {
  w.elem(`${prefix}:commandline`, null, (w) => {
    for (const a of cl.args) w.elem(`${prefix}:arg`, [["value", a]]);
    for (const e of cl.env) w.elem(`${prefix}:env`, [["name", e.name], ["value", e.value]]);
  });
}

/** Writes the extension elements, at the end of `<domain>`. */
export function formatNamespaces(w: XmlWriter, ns: NamespaceData | undefined): void {
  if (!ns) return;
  if (ns.qemu) {
    if (ns.qemu.commandline) formatCommandline(w, "qemu", ns.qemu.commandline);
    const caps = ns.qemu.capabilities;
    if (caps) {
      w.elem("qemu:capabilities", null, (w) => {
        for (const c of caps.add) w.elem("qemu:add", [["capability", c]]);
        for (const c of caps.del) w.elem("qemu:del", [["capability", c]]);
      });
    }
    if (ns.qemu.deprecation) w.elem("qemu:deprecation", [["behavior", ns.qemu.deprecation]]);
  }
  if (ns.lxc) {
    w.elem("lxc:namespace", null, (w) => {
      for (const s of ns.lxc!.share) w.elem(`lxc:${s.kind}`, [["type", s.type], ["value", s.value]]);
    });
  }
  if (ns.bhyve) formatCommandline(w, "bhyve", ns.bhyve.commandline);
  if (ns.xen) formatCommandline(w, "xen", ns.xen.commandline);
  if (ns.vmware) w.text("vmware:datacenterpath", ns.vmware.datacenterPath);
}
