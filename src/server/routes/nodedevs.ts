/**
 * The node device routes: listing host devices, one device's facts and
 * XML, detaching and reattaching PCI devices, and the lifecycle of mediated
 * devices (define, create, start, destroy, undefine, autostart).
 * @module
 */
import type { NodeDevice } from "../../connect.ts";
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

async function lookup(ctx: ApiContext): Promise<NodeDevice> {
  return await (await ctx.conn()).nodeDeviceLookupByName(ctx.param("name"));
}

function lockDevice<T>(ctx: ApiContext, name: string, fn: () => Promise<T>): Promise<T> {
  return ctx.locked(`nodedev/${name}`, fn);
}

const PATH = "/v1/nodedevs/:name";

function action(
  name: string,
  summary: string,
  run: (d: NodeDevice, ctx: ApiContext) => Promise<void>,
  method: "POST" | "DELETE" = "POST",
  extra: RouteSpec["query"] = [],
): RouteSpec {
  return {
    method,
    path: method === "DELETE" ? PATH : `${PATH}/${name}`,
    operationId: method === "DELETE" ? "deleteNodeDevice" : `${name}NodeDevice`,
    summary,
    tag: "nodedevs",
    query: [FLAGS_QUERY, ...extra],
    response: {
      status: 200,
      type: "json",
      schema: "NodeDeviceName",
      description: "the device's name",
    },
    handler: async (ctx) => {
      const d = await lookup(ctx);
      await lockDevice(ctx, d.name(), () => run(d, ctx));
      return jsonResponse({ name: d.name() });
    },
  };
}

/** Every node device route. */
export const NODEDEV_ROUTES: RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/nodedevs",
    operationId: "listNodeDevices",
    summary: "list host devices",
    tag: "nodedevs",
    query: [
      { ...FLAGS_QUERY, description: "VIR_CONNECT_LIST_NODE_DEVICES_* filter bits" },
      {
        name: "cap",
        type: "string",
        description: "only devices with this capability (pci, net ...)",
      },
    ],
    response: {
      status: 200,
      type: "json",
      schema: "[NodeDeviceSummary]",
      description: "the devices",
    },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      const cap = ctx.query("cap");
      const devs = await (await ctx.conn()).listAllDevices(flags);
      const all = await Promise.all(devs.map((d) => d.summary()));
      return jsonResponse(cap === undefined ? all : all.filter((d) => d.caps.includes(cap)));
    },
  },
  {
    method: "POST",
    path: "/v1/nodedevs",
    operationId: "defineNodeDevice",
    summary:
      "define a device (a mediated device) from XML, or create a transient one with ?start=true",
    tag: "nodedevs",
    query: [
      { ...FLAGS_QUERY, description: "VIR_NODE_DEVICE_CREATE_XML_* / DEFINE_XML_* flags" },
      { name: "start", type: "boolean", description: "create a transient, running device" },
    ],
    body: { type: "xml", description: "the node device XML" },
    response: { status: 201, type: "json", schema: "NodeDeviceSummary", description: "the device" },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      const start = boolParam(ctx, "start");
      const xml = await ctx.body();
      const conn = await ctx.conn();
      const d = await ctx.locked(
        "nodedevs",
        () => start ? conn.nodeDeviceCreateXML(xml, flags) : conn.nodeDeviceDefineXML(xml, flags),
      );
      return jsonResponse(await d.summary(), 201);
    },
  },
  {
    method: "GET",
    path: PATH,
    operationId: "getNodeDevice",
    summary: "a device's facts",
    tag: "nodedevs",
    response: { status: 200, type: "json", schema: "NodeDeviceSummary", description: "the device" },
    handler: async (ctx) => jsonResponse(await (await lookup(ctx)).summary()),
  },
  {
    method: "GET",
    path: `${PATH}/xml`,
    operationId: "getNodeDeviceXml",
    summary: "the node device XML",
    tag: "nodedevs",
    query: [FLAGS_QUERY],
    response: { status: 200, type: "xml", description: "the node device XML" },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      return xmlResponse(await (await lookup(ctx)).XMLDesc(flags));
    },
  },
  action(
    "detach",
    "bind a PCI device to vfio-pci for assignment",
    (d, ctx) => {
      const driver = ctx.query("driver");
      const flags = flagsParam(ctx);
      return driver === undefined && flags === 0 ? d.dettach() : d.detachFlags(driver, flags);
    },
    "POST",
    [{ name: "driver", type: "string", description: "the assignment backend (vfio)" }],
  ),
  action("reattach", "give a detached PCI device back to its host driver", (d) => d.reAttach()),
  action("start", "start a defined device", (d, ctx) => d.create(flagsParam(ctx))),
  action("destroy", "remove the device from the host (it stays defined)", (d) => d.destroy()),
  action(
    "undefine",
    "remove the definition of an inactive device",
    (d, ctx) => d.undefine(flagsParam(ctx)),
  ),
  action(
    "undefine",
    "remove the definition (same as POST .../undefine)",
    (d, ctx) => d.undefine(flagsParam(ctx)),
    "DELETE",
  ),
  autostartRoute({
    path: `${PATH}/autostart`,
    operationId: "setNodeDeviceAutostart",
    summary: "start the device with the host, or not",
    tag: "nodedevs",
  }, async (ctx, on) => {
    const d = await lookup(ctx);
    await lockDevice(ctx, d.name(), () => d.setAutostart(on));
  }),
];
