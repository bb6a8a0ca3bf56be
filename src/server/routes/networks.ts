/**
 * The network routes: listing networks, one network's facts, its XML and
 * its bridge.
 * @module
 */
import { type Network, VIR_NETWORK_XML_INACTIVE } from "../../connect.ts";
import { HttpError } from "../errors.ts";
import {
  type ApiContext,
  autostartRoute,
  boolParam,
  FLAGS_QUERY,
  flagsParam,
  jsonResponse,
  type RouteSpec,
  xmlResponse,
} from "../route.ts";
import { BY_QUERY, documentName, keyKind } from "./domains.ts";

/** The network a path names. */
async function lookup(ctx: ApiContext): Promise<Network> {
  const conn = await ctx.conn();
  const key = ctx.param("name");
  return keyKind(ctx, ["name", "uuid"]) === "uuid"
    ? await conn.networkLookupByUUIDString(key)
    : await conn.networkLookupByName(key);
}

const BY = { ...BY_QUERY, values: ["name", "uuid"] };

/** A network's identity as the API returns it. */
function refJson(net: Network): { name: string; uuid: string } {
  return { name: net.name(), uuid: net.UUIDString() };
}

/** Runs a change to one network after earlier changes to it have finished. */
function lockNetwork<T>(ctx: ApiContext, name: string, fn: () => Promise<T>): Promise<T> {
  return ctx.locked(`network/${name}`, fn);
}

function action(
  name: string,
  summary: string,
  run: (net: Network) => Promise<void>,
  method: "POST" | "DELETE" = "POST",
): RouteSpec {
  return {
    method,
    path: method === "DELETE" ? "/v1/networks/:name" : `/v1/networks/:name/${name}`,
    operationId: method === "DELETE" ? "deleteNetwork" : `${name}Network`,
    summary,
    tag: "networks",
    query: [BY],
    response: { status: 200, type: "json", schema: "NetworkRef", description: "the network" },
    handler: async (ctx) => {
      const net = await lookup(ctx);
      await lockNetwork(ctx, net.name(), () => run(net));
      return jsonResponse(refJson(net));
    },
  };
}

/** An integer field of a JSON body. */
function intField(body: Record<string, unknown>, name: string, fallback?: number): number {
  const v = body[name] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new HttpError(400, "invalid-arg", `the body needs an integer '${name}'`);
  }
  return v;
}

/** Every network route. */
export const NETWORK_ROUTES: RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/networks",
    operationId: "listNetworks",
    summary: "list networks",
    tag: "networks",
    query: [{ ...FLAGS_QUERY, description: "VIR_CONNECT_LIST_NETWORKS_* filter bits" }],
    response: {
      status: 200,
      type: "json",
      schema: "[NetworkSummary]",
      description: "the networks in the driver's order",
    },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      return jsonResponse(await (await ctx.conn()).listAllNetworkSummaries(flags));
    },
  },
  {
    method: "GET",
    path: "/v1/networks/:name",
    operationId: "getNetwork",
    summary: "a network's identity and list facts",
    tag: "networks",
    query: [BY],
    response: { status: 200, type: "json", schema: "NetworkSummary", description: "the network" },
    handler: async (ctx) => jsonResponse(await (await lookup(ctx)).summary()),
  },
  {
    method: "GET",
    path: "/v1/networks/:name/xml",
    operationId: "getNetworkXml",
    summary: "the network XML",
    tag: "networks",
    query: [BY, FLAGS_QUERY, {
      name: "inactive",
      type: "boolean",
      description: "the persistent definition rather than the live one",
    }],
    response: { status: 200, type: "xml", description: "the network XML" },
    handler: async (ctx) => {
      const flags = flagsParam(ctx) | (boolParam(ctx, "inactive") ? VIR_NETWORK_XML_INACTIVE : 0);
      return xmlResponse(await (await lookup(ctx)).XMLDesc(flags));
    },
  },
  {
    method: "POST",
    path: "/v1/networks",
    operationId: "defineNetwork",
    summary: "define a network from XML (or create and start a transient one with ?start=true)",
    tag: "networks",
    query: [
      { ...FLAGS_QUERY, description: "VIR_NETWORK_DEFINE_* or VIR_NETWORK_CREATE_* flags" },
      { name: "start", type: "boolean", description: "create and start a transient network" },
    ],
    body: { type: "xml", description: "the network XML" },
    response: { status: 201, type: "json", schema: "NetworkRef", description: "the network" },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      const start = boolParam(ctx, "start");
      const xml = await ctx.body();
      const conn = await ctx.conn();
      const net = await lockNetwork(
        ctx,
        documentName(xml) ?? "",
        () =>
          start ? conn.networkCreateXMLFlags(xml, flags) : conn.networkDefineXMLFlags(xml, flags),
      );
      return jsonResponse(refJson(net), 201);
    },
  },
  action("start", "start a defined network", (n) => n.create()),
  action("destroy", "stop a network (a transient one goes away)", (n) => n.destroy()),
  action(
    "undefine",
    "remove the persistent definition of an inactive network",
    (n) => n.undefine(),
  ),
  action(
    "undefine",
    "remove the definition (same as POST .../undefine)",
    (n) => n.undefine(),
    "DELETE",
  ),
  autostartRoute({
    path: "/v1/networks/:name/autostart",
    operationId: "setNetworkAutostart",
    summary: "start the network with the host, or not",
    tag: "networks",
    query: [BY],
  }, async (ctx, on) => {
    const net = await lookup(ctx);
    await lockNetwork(ctx, net.name(), () => net.setAutostart(on));
  }),
  {
    method: "POST",
    path: "/v1/networks/:name/update",
    operationId: "updateNetwork",
    summary: "change one entry of the definition (virNetworkUpdate)",
    tag: "networks",
    query: [BY],
    body: { type: "json", schema: "NetworkUpdate", description: "the command, section and XML" },
    response: { status: 200, type: "json", schema: "NetworkRef", description: "the network" },
    handler: async (ctx) => {
      const body = await ctx.json();
      const command = intField(body, "command");
      const section = intField(body, "section");
      const parentIndex = intField(body, "parentIndex", -1);
      const flags = intField(body, "flags", 0);
      if (typeof body.xml !== "string") {
        throw new HttpError(400, "invalid-arg", "the body needs a string 'xml'");
      }
      const xml = body.xml;
      const net = await lookup(ctx);
      await lockNetwork(
        ctx,
        net.name(),
        () => net.update(command, section, parentIndex, xml, flags),
      );
      return jsonResponse(refJson(net));
    },
  },
  {
    method: "GET",
    path: "/v1/networks/:name/dhcp-leases",
    operationId: "getNetworkDhcpLeases",
    summary: "the network's DHCP leases",
    tag: "networks",
    query: [BY, FLAGS_QUERY, {
      name: "mac",
      type: "string",
      description: "only this MAC's leases",
    }],
    response: { status: 200, type: "json", schema: "[DhcpLease]", description: "the leases" },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      return jsonResponse(await (await lookup(ctx)).DHCPLeases(ctx.query("mac"), flags));
    },
  },
  {
    method: "GET",
    path: "/v1/networks/:name/bridge",
    operationId: "getNetworkBridge",
    summary: "the name of the network's bridge device",
    tag: "networks",
    query: [BY],
    response: { status: 200, type: "json", schema: "Bridge", description: "the bridge" },
    handler: async (ctx) => jsonResponse({ bridge: await (await lookup(ctx)).bridgeName() }),
  },
];
