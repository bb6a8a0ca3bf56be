/**
 * The connection and host routes: what the connection is, the host's
 * facts, and its capabilities XML.
 * @module
 */
import {
  FLAGS_QUERY,
  flagsParam,
  intParam,
  jsonResponse,
  type RouteSpec,
  xmlResponse,
} from "../route.ts";

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
  {
    method: "GET",
    path: "/v1/host/domain-capabilities",
    operationId: "getDomainCapabilities",
    summary: "the domain capabilities XML of an emulator",
    tag: "host",
    query: [
      { name: "emulatorbin", type: "string", description: "the emulator binary" },
      { name: "arch", type: "string", description: "the guest architecture" },
      { name: "machine", type: "string", description: "the machine type" },
      { name: "virttype", type: "string", description: "kvm, qemu ..." },
      FLAGS_QUERY,
    ],
    response: { status: 200, type: "xml", description: "the domain capabilities" },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      const q = (n: string) => ctx.query(n);
      return xmlResponse(
        await (await ctx.conn()).getDomainCapabilities(
          q("emulatorbin"),
          q("arch"),
          q("machine"),
          q("virttype"),
          flags,
        ),
      );
    },
  },
  {
    method: "GET",
    path: "/v1/host/memory-stats",
    operationId: "getHostMemoryStats",
    summary: "host memory statistics in KiB",
    tag: "host",
    query: [{
      name: "cell",
      type: "integer",
      description: "a NUMA cell; -1 (default) for the host",
    }],
    response: { status: 200, type: "json", schema: "Stats", description: "total, free ..." },
    handler: async (ctx) =>
      jsonResponse(await (await ctx.conn()).getMemoryStats(intParam(ctx, "cell", -1))),
  },
  {
    method: "GET",
    path: "/v1/host/cpu-stats",
    operationId: "getHostCpuStats",
    summary: "host CPU times in nanoseconds",
    tag: "host",
    query: [{ name: "cpu", type: "integer", description: "one CPU; -1 (default) for all" }],
    response: {
      status: 200,
      type: "json",
      schema: "Stats",
      description: "kernel, user, idle, iowait",
    },
    handler: async (ctx) =>
      jsonResponse(await (await ctx.conn()).getCPUStats(intParam(ctx, "cpu", -1))),
  },
];
