/**
 * The domain routes: listing, defining, looking up, the XML, lifecycle
 * actions and the monitoring calls of one domain.
 * @module
 */
import type { Connection, Domain } from "../../connect.ts";
import {
  VIR_DOMAIN_XML_INACTIVE,
  VIR_DOMAIN_XML_MIGRATABLE,
  VIR_DOMAIN_XML_SECURE,
  VIR_DOMAIN_XML_UPDATE_CPU,
} from "../../connect.ts";
import { directText, elementChildren, parseXml } from "../../xml/mod.ts";
import { HttpError } from "../errors.ts";
import {
  type ApiContext,
  autostartRoute,
  boolParam,
  FLAGS_QUERY,
  flagsParam,
  intParam,
  jsonResponse,
  type QueryDoc,
  requiredParam,
  type RouteSpec,
  textResponse,
  xmlResponse,
} from "../route.ts";

const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** How `{name}` in a path is matched, for the OpenAPI document. */
export const BY_QUERY: QueryDoc = {
  name: "by",
  type: "string",
  values: ["name", "uuid", "id"],
  description:
    "what {name} is: a name, a UUID or (domains only) a running id; by default a UUID-shaped value is a UUID, anything else a name",
};

/** How a path key names its object: explicitly by `?by=`, or a UUID when it looks like one. */
export function keyKind(ctx: ApiContext, allowed: readonly string[]): string {
  const key = ctx.param("name");
  const by = ctx.query("by") ?? (UUID_RE.test(key) ? "uuid" : "name");
  if (!allowed.includes(by)) {
    throw new HttpError(
      400,
      "invalid-arg",
      `bad value '${by}' for 'by': expected one of: ${allowed.join(", ")}`,
    );
  }
  return by;
}

/** The domain a path names. */
async function lookup(ctx: ApiContext): Promise<{ conn: Connection; dom: Domain }> {
  const conn = await ctx.conn();
  const key = ctx.param("name");
  switch (keyKind(ctx, ["name", "uuid", "id"])) {
    case "uuid":
      return { conn, dom: await conn.lookupByUUIDString(key) };
    case "id":
      if (!/^\d{1,9}$/.test(key)) {
        throw new HttpError(
          400,
          "invalid-arg",
          `bad domain id '${key}': expected a non-negative integer`,
        );
      }
      return { conn, dom: await conn.lookupByID(Number(key)) };
    default:
      return { conn, dom: await conn.lookupByName(key) };
  }
}

/** The domain's identity as the API returns it. */
function refJson(dom: Domain): { name: string; uuid: string; id: number } {
  return { name: dom.name(), uuid: dom.UUIDString(), id: dom.ID() };
}

/** The top-level `<name>` of a document, for locking; undefined when the text does not parse. */
export function documentName(xml: string): string | undefined {
  try {
    const name = elementChildren(parseXml(xml)).find((e) => e.name === "name");
    return name ? directText(name).trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a change to one domain after earlier changes to it have finished. */
function lockDomain<T>(
  ctx: ApiContext,
  name: string | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  return name === undefined ? fn() : ctx.locked(`domain/${name}`, fn);
}

const NAME_PATH = "/v1/domains/:name";

function get(
  path: string,
  operationId: string,
  summary: string,
  response: RouteSpec["response"],
  handler: (dom: Domain, ctx: ApiContext) => Promise<Response>,
  query: QueryDoc[] = [],
): RouteSpec {
  return {
    method: "GET",
    path: NAME_PATH + path,
    operationId,
    summary,
    tag: "domains",
    query: [BY_QUERY, ...query],
    response,
    handler: async (ctx) => handler((await lookup(ctx)).dom, ctx),
  };
}

function action(
  name: string,
  summary: string,
  run: (dom: Domain, flags: number) => Promise<void>,
  method: "POST" | "DELETE" = "POST",
): RouteSpec {
  return {
    method,
    path: method === "DELETE" ? NAME_PATH : `${NAME_PATH}/${name}`,
    operationId: method === "DELETE" ? "deleteDomain" : `${name}Domain`,
    summary,
    tag: "domains",
    query: [BY_QUERY, FLAGS_QUERY],
    response: {
      status: 200,
      type: "json",
      schema: "DomainRef",
      description: "the domain afterwards (id -1 when it is not running)",
    },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      const { dom } = await lookup(ctx);
      await lockDomain(ctx, dom.name(), () => run(dom, flags));
      return jsonResponse(refJson(dom));
    },
  };
}

/** XML flags from `?flags=` and the boolean shorthands. */
function xmlFlags(ctx: ApiContext): number {
  let flags = flagsParam(ctx);
  if (boolParam(ctx, "inactive")) flags |= VIR_DOMAIN_XML_INACTIVE;
  if (boolParam(ctx, "secure")) flags |= VIR_DOMAIN_XML_SECURE;
  if (boolParam(ctx, "update-cpu")) flags |= VIR_DOMAIN_XML_UPDATE_CPU;
  if (boolParam(ctx, "migratable")) flags |= VIR_DOMAIN_XML_MIGRATABLE;
  if ((flags & VIR_DOMAIN_XML_SECURE) && ctx.readonly) {
    throw new HttpError(
      403,
      "operation-denied",
      "security-sensitive XML cannot be read on a read-only connection",
    );
  }
  return flags;
}

const xmlQuery = (what: string): QueryDoc[] => [
  FLAGS_QUERY,
  {
    name: "inactive",
    type: "boolean",
    description: `the persistent ${what} rather than the live one`,
  },
  {
    name: "secure",
    type: "boolean",
    description: "include passwords (refused on a read-only listener)",
  },
  { name: "update-cpu", type: "boolean", description: "update the guest CPU from the host" },
  { name: "migratable", type: "boolean", description: "XML suitable for migration" },
];

/** Every domain route. */
export const DOMAIN_ROUTES: RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/domains",
    operationId: "listDomains",
    summary: "list domains",
    tag: "domains",
    query: [{
      ...FLAGS_QUERY,
      description: "VIR_CONNECT_LIST_DOMAINS_* filter bits; 0 or absent lists all",
    }],
    response: {
      status: 200,
      type: "json",
      schema: "[DomainSummary]",
      description: "the domains in the driver's order",
    },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      return jsonResponse(await (await ctx.conn()).listAllDomainSummaries(flags));
    },
  },
  {
    method: "POST",
    path: "/v1/domains",
    operationId: "defineDomain",
    summary: "define a domain from XML (or create and start a transient one with ?start=true)",
    tag: "domains",
    query: [
      {
        ...FLAGS_QUERY,
        description: "VIR_DOMAIN_DEFINE_* flags, or VIR_DOMAIN_START_* flags with start",
      },
      {
        name: "start",
        type: "boolean",
        description: "create and start a transient domain (libvirt's createXML)",
      },
    ],
    body: { type: "xml", description: "the domain XML" },
    response: {
      status: 201,
      type: "json",
      schema: "DomainRef",
      description: "the domain defined or started",
    },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      const start = boolParam(ctx, "start");
      const xml = await ctx.body();
      const conn = await ctx.conn();
      const dom = await lockDomain(
        ctx,
        documentName(xml),
        () => start ? conn.createXML(xml, flags) : conn.defineXMLFlags(xml, flags),
      );
      return jsonResponse(refJson(dom), 201);
    },
  },
  get("", "getDomain", "a domain's identity and list facts", {
    status: 200,
    type: "json",
    schema: "DomainSummary",
    description: "the domain",
  }, async (dom) => jsonResponse(await dom.summary())),
  get(
    "/xml",
    "getDomainXml",
    "the domain XML",
    {
      status: 200,
      type: "xml",
      description: "the domain XML",
    },
    async (dom, ctx) => xmlResponse(await dom.XMLDesc(xmlFlags(ctx))),
    xmlQuery("definition"),
  ),
  get("/info", "getDomainInfo", "state, memory, vCPUs and CPU time", {
    status: 200,
    type: "json",
    schema: "DomainInfo",
    description: "virDomainInfo",
  }, async (dom) => jsonResponse(await dom.info())),
  get("/state", "getDomainState", "the state and its reason", {
    status: 200,
    type: "json",
    schema: "DomainState",
    description: "VIR_DOMAIN_* state and reason numbers",
  }, async (dom) => {
    const [state, reason] = await dom.state();
    return jsonResponse({ state, reason });
  }),
  get("/os-type", "getDomainOSType", "the guest OS type", {
    status: 200,
    type: "json",
    schema: "OSType",
    description: "hvm, linux, exe ...",
  }, async (dom) => jsonResponse({ osType: await dom.OSType() })),
  get(
    "/vcpus",
    "getDomainVcpus",
    "a vCPU count",
    {
      status: 200,
      type: "json",
      schema: "Count",
      description: "the count the flags ask for",
    },
    async (dom, ctx) => jsonResponse({ count: await dom.vcpusFlags(flagsParam(ctx)) }),
    [{
      ...FLAGS_QUERY,
      description: "VIR_DOMAIN_AFFECT_* and VIR_DOMAIN_VCPU_* flags",
    }],
  ),
  get("/memory-stats", "getDomainMemoryStats", "balloon statistics in KiB", {
    status: 200,
    type: "json",
    schema: "MemoryStats",
    description: "statistics by name, in the driver's order",
  }, async (dom) => jsonResponse(Object.fromEntries(await dom.memoryStatsList()))),
  get("/security-label", "getDomainSecurityLabel", "the security label", {
    status: 200,
    type: "json",
    schema: "SecurityLabel",
    description: "the label, or null without a security driver",
  }, async (dom) => {
    const l = await dom.securityLabel();
    return jsonResponse(l ? { label: l[0], enforcing: l[1] } : null);
  }),
  action("start", "start a defined domain (VIR_DOMAIN_START_* flags)", (d, f) => d.create(f)),
  action("destroy", "stop a domain at once", (d, f) => d.destroy(f)),
  action("shutdown", "ask the guest to shut down", (d, f) => d.shutdown(f)),
  action("reboot", "ask the guest to reboot", (d, f) => d.reboot(f)),
  action("suspend", "pause the vCPUs", (d) => d.suspend()),
  action("resume", "resume a paused domain", (d) => d.resume()),
  action("undefine", "remove the persistent definition", (d, f) => d.undefine(f)),
  action("reset", "reset the guest at once, as the reset button does", (d, f) => d.reset(f)),
  action(
    "undefine",
    "remove the persistent definition (same as POST .../undefine)",
    (d, f) => d.undefine(f),
    "DELETE",
  ),
  get(
    "/block-stats",
    "getDomainBlockStats",
    "block statistics of one disk",
    {
      status: 200,
      type: "json",
      schema: "Stats",
      description: "statistics by libvirt's parameter names",
    },
    async (dom, ctx) => jsonResponse(await dom.blockStatsFlags(requiredParam(ctx, "disk"))),
    [{
      name: "disk",
      type: "string",
      description: "the disk's target (vda) or source path",
    }],
  ),
  get(
    "/interface-stats",
    "getDomainInterfaceStats",
    "traffic statistics of one interface",
    {
      status: 200,
      type: "json",
      schema: "Stats",
      description: "statistics by libvirt's field names",
    },
    async (dom, ctx) => jsonResponse(await dom.interfaceStats(requiredParam(ctx, "iface"))),
    [{
      name: "iface",
      type: "string",
      description: "the interface's target device (vnet0) or MAC address",
    }],
  ),
  get(
    "/stats",
    "getDomainStats",
    "statistics of the VIR_DOMAIN_STATS_* groups (domstats)",
    {
      status: 200,
      type: "json",
      schema: "StatPairs",
      description: "[key, value] pairs in the driver's order",
    },
    async (dom, ctx) => jsonResponse(await dom.stats(intParam(ctx, "groups", 0))),
    [{
      name: "groups",
      type: "integer",
      description: "VIR_DOMAIN_STATS_* bits; 0 for every group",
    }],
  ),
  get("/screenshot", "getDomainScreenshot", "a screenshot of one screen", {
    status: 200,
    type: "binary",
    description: "the image, in the type the driver makes (image/x-portable-pixmap, image/png)",
  }, async (dom, ctx) => {
    const shot = await dom.screenshot(intParam(ctx, "screen", 0));
    return new Response(new Uint8Array(shot.data), { headers: { "content-type": shot.mime } });
  }, [{ name: "screen", type: "integer", description: "the screen number (default 0)" }]),
  {
    method: "POST",
    path: `${NAME_PATH}/monitor-command`,
    operationId: "domainMonitorCommand",
    summary: "pass a command to the hypervisor monitor (QMP JSON, or HMP text with hmp)",
    tag: "domains",
    query: [BY_QUERY],
    body: {
      type: "json",
      schema: "MonitorCommand",
      description: '{"command": "...", "hmp": false}',
    },
    response: {
      status: 200,
      type: "json",
      schema: "MonitorReply",
      description: "the monitor's reply text",
    },
    handler: async (ctx) => {
      const body = await ctx.json();
      if (typeof body.command !== "string") {
        throw new HttpError(400, "invalid-arg", "the body needs a string 'command'");
      }
      if (body.hmp !== undefined && typeof body.hmp !== "boolean") {
        throw new HttpError(400, "invalid-arg", "'hmp' must be a boolean");
      }
      const command = body.command;
      const hmp = body.hmp === true;
      const { dom } = await lookup(ctx);
      const reply = await lockDomain(ctx, dom.name(), () => dom.qemuMonitorCommand(command, hmp));
      return jsonResponse({ reply });
    },
  },
  {
    method: "POST",
    path: "/v1/xml-to-native",
    operationId: "domainXmlToNative",
    summary: "the native configuration for a domain XML (domxml-to-native); changes nothing",
    tag: "domains",
    reads: true,
    query: [{ name: "format", type: "string", description: "the native format, e.g. qemu-argv" }],
    body: { type: "xml", description: "the domain XML" },
    response: { status: 200, type: "text", description: "the native configuration" },
    handler: async (ctx) => {
      const format = requiredParam(ctx, "format");
      const xml = await ctx.body();
      return textResponse(await (await ctx.conn()).domainXMLToNative(format, xml));
    },
  },
  autostartRoute({
    path: `${NAME_PATH}/autostart`,
    operationId: "setDomainAutostart",
    summary: "start the domain with the host, or not",
    tag: "domains",
    query: [BY_QUERY],
  }, async (ctx, on) => {
    const { dom } = await lookup(ctx);
    await lockDomain(ctx, dom.name(), () => dom.setAutostart(on));
  }),
];
