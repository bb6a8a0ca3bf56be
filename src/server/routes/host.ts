/**
 * The connection and host routes: what the connection is, the host's
 * facts, and its capabilities XML.
 * @module
 */
import { jsonResponse, type RouteSpec, xmlResponse } from "../route.ts";

/** Every connection and host route. */
export const HOST_ROUTES: RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/connection",
    operationId: "getConnection",
    summary: "the connection a request reaches: its URI and driver type",
    tag: "host",
    response: {
      status: 200,
      type: "json",
      schema: "ConnectionInfo",
      description: "the connection",
    },
    handler: async (ctx) => {
      const conn = await ctx.conn();
      return jsonResponse({
        uri: ctx.uri(),
        type: await conn.getType(),
        libVersion: await conn.getLibVersion(),
        readonly: ctx.readonly,
      });
    },
  },
  {
    method: "GET",
    path: "/v1/host",
    operationId: "getHost",
    summary: "the host: name, hypervisor version, processors and memory, security model",
    tag: "host",
    response: { status: 200, type: "json", schema: "HostInfo", description: "the host" },
    handler: async (ctx) => {
      const conn = await ctx.conn();
      const [hostname, hypervisorVersion, nodeInfo, security] = await Promise.all([
        conn.getHostname(),
        conn.getVersion(),
        conn.getInfo(),
        conn.getSecurityModel(),
      ]);
      return jsonResponse({
        hostname,
        hypervisorVersion,
        nodeInfo,
        securityModel: security ? { model: security[0], doi: security[1] } : null,
      });
    },
  },
  {
    method: "GET",
    path: "/v1/host/capabilities",
    operationId: "getCapabilities",
    summary: "the host capabilities XML",
    tag: "host",
    response: { status: 200, type: "xml", description: "the capabilities" },
    handler: async (ctx) => xmlResponse(await (await ctx.conn()).getCapabilities()),
  },
];
