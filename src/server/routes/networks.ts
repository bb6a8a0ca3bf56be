/**
 * The network routes: listing networks, one network's facts, its XML and
 * its bridge.
 * @module
 */
import { type Network, VIR_NETWORK_XML_INACTIVE } from "../../connect.ts";
import {
  type ApiContext,
  boolParam,
  FLAGS_QUERY,
  flagsParam,
  jsonResponse,
  type RouteSpec,
  xmlResponse,
} from "../route.ts";
import { BY_QUERY, keyKind } from "./domains.ts";

/** The network a path names. */
async function lookup(ctx: ApiContext): Promise<Network> {
  const conn = await ctx.conn();
  const key = ctx.param("name");
  return keyKind(ctx, ["name", "uuid"]) === "uuid"
    ? await conn.networkLookupByUUIDString(key)
    : await conn.networkLookupByName(key);
}

const BY = { ...BY_QUERY, values: ["name", "uuid"] };

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
