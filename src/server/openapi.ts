/**
 * The OpenAPI 3.1 document served at `/v1/openapi.json`, built from the
 * same route tables that the app serves, so the two cannot drift apart.
 * @module
 */
import { VERSION } from "../connect.ts";
import type { RouteSpec } from "./route.ts";

type Schema = Record<string, unknown>;

const int = { type: "integer" };
const str = { type: "string" };
const bool = { type: "boolean" };

function obj(properties: Record<string, unknown>, optional: string[] = []): Schema {
  return {
    type: "object",
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
  };
}

const DOMAIN_REF = {
  name: str,
  uuid: { type: "string", format: "uuid" },
  id: { type: "integer", description: "runtime id, -1 while inactive" },
};

/** The component schemas the routes refer to by name. */
const SCHEMAS: Record<string, Schema> = {
  Error: obj({
    code: { type: "string", description: "libvirt's error code, e.g. no-domain, xml-error" },
    domain: { type: "string", description: "the subsystem that raised it" },
    message: { type: "string", description: "what is wrong, naming the field or line" },
  }),
  DomainRef: obj(DOMAIN_REF),
  DomainSummary: obj({
    ...DOMAIN_REF,
    state: {
      type: "integer",
      description: "VIR_DOMAIN_* state (1 running, 3 paused, 5 shut off ...)",
    },
    persistent: bool,
    autostart: bool,
    managedSave: bool,
    hasSnapshot: bool,
    hasCheckpoint: bool,
    title: str,
  }, ["title"]),
  DomainInfo: obj({
    state: int,
    maxMem: { type: "integer", description: "KiB" },
    memory: { type: "integer", description: "KiB" },
    nrVirtCpu: int,
    cpuTime: { type: "integer", description: "nanoseconds" },
  }),
  DomainState: obj({ state: int, reason: int }),
  OSType: obj({ osType: str }),
  Count: obj({ count: int }),
  MemoryStats: { type: "object", additionalProperties: int },
  SecurityLabel: { oneOf: [obj({ label: str, enforcing: bool }), { type: "null" }] },
  Autostart: obj({ autostart: bool }),
  Stats: { type: "object", additionalProperties: int },
  StatPairs: {
    type: "array",
    items: { type: "array", prefixItems: [str, { type: ["integer", "string"] }] },
  },
  MonitorCommand: obj({ command: str, hmp: bool }, ["hmp"]),
  MonitorReply: obj({ reply: str }),
  NetworkSummary: obj({
    name: str,
    uuid: { type: "string", format: "uuid" },
    active: bool,
    persistent: bool,
    autostart: bool,
  }),
  Bridge: obj({ bridge: str }),
  SecretSummary: obj({
    uuid: { type: "string", format: "uuid" },
    usageType: {
      type: "integer",
      description: "VIR_SECRET_USAGE_TYPE_* (0 none, 1 volume, 2 ceph ...)",
    },
    usageID: str,
    ephemeral: bool,
    private: bool,
  }, ["usageID"]),
  SecretValue: obj({ value: { type: "string", contentEncoding: "base64" } }),
  NodeDeviceSummary: obj({
    name: str,
    parent: str,
    caps: { type: "array", items: str },
    active: bool,
    persistent: bool,
    autostart: bool,
  }, ["parent", "autostart"]),
  NodeDeviceName: obj({ name: str }),
  NetworkRef: obj({ name: str, uuid: { type: "string", format: "uuid" } }),
  NetworkUpdate: obj({
    command: { type: "integer", description: "VIR_NETWORK_UPDATE_COMMAND_*" },
    section: { type: "integer", description: "VIR_NETWORK_SECTION_*" },
    parentIndex: { type: "integer", description: "-1 for any" },
    xml: { type: "string", description: "the entry's XML" },
    flags: { type: "integer", description: "VIR_NETWORK_UPDATE_AFFECT_*" },
  }, ["parentIndex", "flags"]),
  DhcpLease: obj({
    iface: str,
    expirytime: { type: "integer", description: "seconds since the epoch; 0 never" },
    type: { type: "integer", description: "VIR_IP_ADDR_TYPE_*" },
    mac: str,
    iaid: str,
    ipaddr: str,
    prefix: int,
    hostname: str,
    clientid: str,
  }, ["mac", "iaid", "hostname", "clientid"]),
  ConnectionInfo: obj({
    uri: str,
    type: { type: "string", description: "TEST, QEMU, LXC ..." },
    libVersion: int,
    readonly: bool,
  }),
  NodeInfo: obj({
    model: str,
    memory: { type: "integer", description: "KiB" },
    cpus: int,
    mhz: int,
    nodes: int,
    sockets: int,
    cores: int,
    threads: int,
  }),
  HostInfo: obj({
    hostname: str,
    hypervisorVersion: int,
    nodeInfo: { $ref: "#/components/schemas/NodeInfo" },
    securityModel: { oneOf: [obj({ model: str, doi: str }), { type: "null" }] },
  }),
  LifecycleEvent: obj({
    domain: { $ref: "#/components/schemas/DomainRef" },
    event: { type: "integer", description: "VIR_DOMAIN_EVENT_* type" },
    detail: int,
    type: { type: "string", description: "started, stopped, defined ..." },
    reason: { type: "string", description: "booted, destroyed, added ..." },
  }),
};

function schemaRef(name: string): Schema {
  if (name.startsWith("[")) {
    return { type: "array", items: { $ref: `#/components/schemas/${name.slice(1, -1)}` } };
  }
  return { $ref: `#/components/schemas/${name}` };
}

const ERROR_CONTENT = { "application/json": { schema: schemaRef("Error") } };

/** Error statuses every operation may answer with. */
const ERRORS: Record<string, string> = {
  "400": "a bad parameter, URI or XML (the message names the field or line)",
  "401": "no valid bearer token",
  "403": "refused: a change on a read-only listener, or secure XML there",
  "404": "no such object",
  "409": "the object is not in a state that allows the request",
  "500": "an internal or host error",
  "501": "the driver does not support the call",
};

function operation(r: RouteSpec): Schema {
  const params: Schema[] = [];
  for (const m of r.path.matchAll(/:(\w+)/g)) {
    params.push({ name: m[1], in: "path", required: true, schema: str });
  }
  for (const q of r.query ?? []) {
    params.push({
      name: q.name,
      in: "query",
      description: q.description,
      schema: q.values ? { type: "string", enum: q.values } : { type: q.type },
    });
  }
  const success = r.response;
  const content = success.type === "xml"
    ? { "application/xml": { schema: str } }
    : success.type === "text"
    ? { "text/plain": { schema: str } }
    : success.type === "binary"
    ? { "application/octet-stream": { schema: { type: "string", format: "binary" } } }
    : success.type === "sse"
    ? { "text/event-stream": { schema: str, "x-event-data": schemaRef(success.schema!) } }
    : { "application/json": { schema: schemaRef(success.schema!) } };
  const responses: Record<string, unknown> = {
    [String(success.status)]: { description: success.description, content },
  };
  for (const [status, description] of Object.entries(ERRORS)) {
    responses[status] = { description, content: ERROR_CONTENT };
  }
  const op: Schema = {
    operationId: r.operationId,
    summary: r.summary,
    tags: [r.tag],
    parameters: params,
    responses,
  };
  if (r.body) {
    responses["413"] = {
      description: "the body is larger than the server's limit",
      content: ERROR_CONTENT,
    };
    op.requestBody = {
      required: true,
      description: r.body.description,
      content: r.body.type === "xml"
        ? { "application/xml": { schema: str } }
        : { "application/json": { schema: schemaRef(r.body.schema!) } },
    };
  }
  return op;
}

/** The OpenAPI document for `routes`. */
export function openApiDocument(routes: readonly RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, "{$1}");
    (paths[path] ??= {})[r.method.toLowerCase()] = operation(r);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "virtkit API",
      version: VERSION,
      description:
        "Every driver connection of a virtkit server. A path prefix before /v1 names a local URI " +
        "(/test/default/v1/domains is test:///default); the X-Virtkit-Uri header names one in full; " +
        "a bare /v1 path uses the server's default URI.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }, {}],
    components: {
      schemas: SCHEMAS,
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    paths,
  };
}
