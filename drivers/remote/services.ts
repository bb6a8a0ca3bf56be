/**
 * Secrets, node devices and host statistics through a server: the
 * `services` of a remote connection. Each call is one request; a server
 * whose driver lacks a service answers `no-support` in the driver's words.
 * @module
 */
import type {
  DomainCapsQuery,
  DriverNodeDevices,
  DriverSecrets,
  DriverServices,
  NodeDeviceSummary,
  SecretKey,
  SecretSummary,
} from "../../src/connect.ts";
import type { HttpTransport } from "./transport.ts";

const XML = "application/xml";
const JSON_TYPE = "application/json";

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function secrets(http: HttpTransport): DriverSecrets {
  const path = (uuid: string, what = "") => `/v1/secrets/${encodeURIComponent(uuid)}${what}`;
  const byUuid = { by: "uuid" };
  return {
    list: () => http.json<SecretSummary[]>("GET", "/v1/secrets"),
    define: (xml, flags) =>
      http.json("POST", "/v1/secrets", { query: { flags }, body: xml, type: XML }),
    lookup: (key: SecretKey) =>
      "uuid" in key
        ? http.json("GET", path(key.uuid), { query: byUuid })
        : http.json("GET", path(key.usageID), {
          query: { by: "usage", usageType: String(key.usageType) },
        }),
    xml: (uuid, flags) => http.text("GET", path(uuid, "/xml"), { query: { ...byUuid, flags } }),
    setValue: async (uuid, value, flags) => {
      await http.json("PUT", path(uuid, "/value"), {
        query: { ...byUuid, flags },
        body: JSON.stringify({ value: toBase64(value) }),
        type: JSON_TYPE,
      });
    },
    getValue: async (uuid, flags) => {
      const { value } = await http.json<{ value: string }>("GET", path(uuid, "/value"), {
        query: { ...byUuid, flags },
      });
      return Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
    },
    undefine: async (uuid) => {
      await http.json("DELETE", path(uuid), { query: byUuid });
    },
  };
}

function nodeDevices(http: HttpTransport): DriverNodeDevices {
  const path = (name: string, what = "") => `/v1/nodedevs/${encodeURIComponent(name)}${what}`;
  const act = async (
    name: string,
    what: string,
    query: Record<string, string | number | undefined> = {},
  ) => {
    await http.json("POST", path(name, `/${what}`), { query });
  };
  return {
    list: () => http.json<NodeDeviceSummary[]>("GET", "/v1/nodedevs"),
    lookup: (name) => http.json("GET", path(name)),
    xml: (name, flags) => http.text("GET", path(name, "/xml"), { query: { flags } }),
    detach: (name, driver, flags) => act(name, "detach", { driver, flags }),
    reattach: (name) => act(name, "reattach"),
    create: (xml, flags) =>
      http.json("POST", "/v1/nodedevs", { query: { flags, start: true }, body: xml, type: XML }),
    define: (xml, flags) =>
      http.json("POST", "/v1/nodedevs", { query: { flags }, body: xml, type: XML }),
    undefine: (name, flags) => act(name, "undefine", { flags }),
    start: (name, flags) => act(name, "start", { flags }),
    destroy: (name) => act(name, "destroy"),
    setAutostart: async (name, on) => {
      await http.json("PUT", path(name, "/autostart"), {
        body: JSON.stringify({ autostart: on }),
        type: JSON_TYPE,
      });
    },
  };
}

/** The services of a remote connection. */
export function remoteServices(http: HttpTransport): DriverServices {
  const stats = async (path: string, query: Record<string, number>) =>
    Object.entries(await http.json<Record<string, number>>("GET", path, { query }));
  return {
    secrets: secrets(http),
    nodeDevices: nodeDevices(http),
    memoryStats: (cell) => stats("/v1/host/memory-stats", { cell }),
    cpuStats: (cpu) => stats("/v1/host/cpu-stats", { cpu }),
    domainCapabilities: (q: DomainCapsQuery, flags) =>
      http.text("GET", "/v1/host/domain-capabilities", { query: { ...q, flags } }),
  };
}
