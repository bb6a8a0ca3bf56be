/**
 * Loads a test host description (`test:///PATH.xml`): a `<node>` document
 * with optional `<cpu>` (`<nodes>`, `<sockets>`, `<cores>`, `<threads>`,
 * `<active>`, `<mhz>`, `<model>`) and `<memory>` (KiB) overriding the
 * default node information, then `<domain>` and `<network>` definitions,
 * inline or in a separate file named by a `file` attribute (relative to the
 * host file). Domains may carry elements of the test namespace
 * `http://libvirt.org/schemas/domain/test/1.0`: `<test:runstate>` (a
 * `VIR_DOMAIN_*` state number, running by default), `<test:transient/>` and
 * `<test:hasmanagedsave/>`.
 * @module
 */
import { VirtError } from "../../src/errors.ts";
import { VIR_DOMAIN_RUNNING, VIR_DOMAIN_SHUTOFF } from "../../src/connect.ts";
import type { NodeInfo } from "../../src/host/nodeinfo.ts";
import { parseXml, XmlReader, XmlWriter } from "../../src/xml/mod.ts";
import { DEFAULT_NODE_INFO } from "./default-host.ts";
import { TestHost } from "./host.ts";
import { parseTestDomain } from "./model.ts";
import { loadNetworkModel } from "./networks.ts";

/** The namespace of the test driver's domain extensions. */
export const TEST_NAMESPACE = "http://libvirt.org/schemas/domain/test/1.0";

/** Number of `VIR_DOMAIN_*` states. */
const DOMAIN_STATES = 8;

function readNodeInfo(node: XmlReader): NodeInfo {
  const info: NodeInfo = { ...DEFAULT_NODE_INFO };
  const cpu = node.child("cpu");
  if (cpu) {
    info.nodes = cpu.childUint("nodes") ?? info.nodes;
    info.sockets = cpu.childUint("sockets") ?? info.sockets;
    info.cores = cpu.childUint("cores") ?? info.cores;
    info.threads = cpu.childUint("threads") ?? info.threads;
    info.cpus = info.nodes * info.sockets * info.cores * info.threads;
    const active = cpu.childUint("active");
    if (active !== undefined && active < info.cpus) info.cpus = active;
    info.mhz = cpu.childUint("mhz") ?? info.mhz;
    info.model = cpu.childText("model") ?? info.model;
  }
  info.memory = node.childUint("memory") ?? info.memory;
  return info;
}

/**
 * A definition: the element itself, or the root of the file its `file`
 * attribute names (relative to the host file), with its XML text.
 */
async function definition(
  el: XmlReader,
  hostPath: string,
  nsDecls: Record<string, string>,
): Promise<{ el: XmlReader; xml: string }> {
  const file = el.attr("file");
  if (file !== undefined) {
    const path = file.startsWith("/")
      ? file
      : `${hostPath.slice(0, hostPath.lastIndexOf("/") + 1)}${file}`;
    const xml = await readFile(path, `the ${el.name} file`);
    return { el: new XmlReader(parseXml(xml, "test"), "test"), xml };
  }
  const w = new XmlWriter();
  w.verbatim(el.el, nsDecls);
  return { el, xml: w.toString() };
}

async function readFile(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "No such file or directory"
      : (e as Error).message;
    throw new VirtError("system-error", "test", `cannot read ${what} '${path}': ${why}`);
  }
}

function runState(dom: XmlReader): { state: number; transient: boolean; managedSave: boolean } {
  const rs = dom.childrenNs(TEST_NAMESPACE, "runstate")[0];
  let state = VIR_DOMAIN_RUNNING;
  if (rs) {
    const t = rs.text().trim();
    if (!/^\d+$/.test(t) || Number(t) >= DOMAIN_STATES) {
      throw rs.error(
        `invalid runstate '${t}', expected a domain state number from 0 to ${DOMAIN_STATES - 1}`,
      );
    }
    state = Number(t);
  }
  const transient = dom.childrenNs(TEST_NAMESPACE, "transient").length > 0;
  const managedSave = dom.childrenNs(TEST_NAMESPACE, "hasmanagedsave").length > 0;
  if (transient && state === VIR_DOMAIN_SHUTOFF) {
    throw dom.error("a transient domain cannot have runstate 'shutoff'");
  }
  if (managedSave && state !== VIR_DOMAIN_SHUTOFF) {
    throw dom.error("a domain with managed save data can only have runstate 'shutoff'");
  }
  return { state, transient, managedSave };
}

/**
 * Reads a host file into a new {@link TestHost}.
 *
 * @throws VirtError when the file cannot be read, is not a `<node>`
 *   document, or holds a bad or clashing definition
 */
export async function loadHostFile(path: string): Promise<TestHost> {
  const root = parseXml(await readFile(path, "test host file"), "test");
  if (root.name !== "node") {
    throw new VirtError(
      "xml-error",
      "test",
      `test host file '${path}' must have <node> as its root element, not <${root.name}>`,
    );
  }
  const node = new XmlReader(root, "test");
  const host = new TestHost(readNodeInfo(node), () => []);

  for (const ref of node.children("domain")) {
    const { el, xml } = await definition(ref, path, root.nsDecls);
    const { state, transient, managedSave } = runState(el);
    const def = await parseTestDomain(xml, false);
    if (host.domains.some((d) => d.name === def.name || d.uuid === def.uuid)) {
      throw new VirtError(
        "operation-failed",
        "test",
        `domain '${def.name}' is defined twice in '${path}'`,
      );
    }
    const active = state !== VIR_DOMAIN_SHUTOFF;
    const id = active ? host.nextId() : -1;
    host.domains.push({
      name: def.name,
      uuid: def.uuid,
      id,
      state,
      reason: 0,
      persistent: !transient,
      autostart: false,
      managedSave,
      def: active ? { ...def, id } : def,
      newDef: active && !transient ? def : undefined,
    });
  }

  const networkEls = node.children("network");
  if (networkEls.length) {
    const { parseNetworkXml } = await loadNetworkModel();
    for (const ref of networkEls) {
      const def = parseNetworkXml((await definition(ref, path, root.nsDecls)).xml, {
        inactive: true,
      });
      if (host.networks.some((n) => n.name === def.name || n.uuid === def.uuid)) {
        throw new VirtError(
          "operation-failed",
          "test",
          `network '${def.name}' is defined twice in '${path}'`,
        );
      }
      host.networks.push({
        name: def.name,
        uuid: def.uuid,
        active: true,
        persistent: true,
        autostart: false,
        def,
      });
    }
  }
  return host;
}
