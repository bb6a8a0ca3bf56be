/**
 * The secret routes: listing, defining, looking up (by UUID or by usage),
 * the XML, and the value (base64 in JSON; never on a read-only listener).
 * @module
 */
import type { Secret } from "../../connect.ts";
import { SECRET_USAGE_NAMES } from "../../connect-host.ts";
import { HttpError } from "../errors.ts";
import {
  type ApiContext,
  FLAGS_QUERY,
  flagsParam,
  jsonResponse,
  type QueryDoc,
  type RouteSpec,
  xmlResponse,
} from "../route.ts";

/** A secret's facts as the API returns them. */
function secretJson(s: Secret): Record<string, unknown> {
  return {
    uuid: s.UUIDString(),
    usageType: s.usageType(),
    usageID: s.usageID(),
    ephemeral: s.isEphemeral(),
    private: s.isPrivate(),
  };
}

const KEY_QUERY: QueryDoc[] = [
  {
    name: "by",
    type: "string",
    values: ["uuid", "usage"],
    description: "what {key} is: the UUID (default) or the usage id (volume path, Ceph name ...)",
  },
  {
    name: "usageType",
    type: "string",
    description: `with by=usage: the usage type, a name (${
      SECRET_USAGE_NAMES.join(", ")
    }) or number`,
  },
];

/** The secret a path names. */
async function lookup(ctx: ApiContext): Promise<Secret> {
  const conn = await ctx.conn();
  const key = ctx.param("key");
  const by = ctx.query("by") ?? "uuid";
  if (by === "uuid") return await conn.secretLookupByUUIDString(key);
  if (by !== "usage") {
    throw new HttpError(400, "invalid-arg", `bad value '${by}' for 'by': expected uuid or usage`);
  }
  const t = ctx.query("usageType") ?? "";
  const type = /^\d+$/.test(t) ? Number(t) : (SECRET_USAGE_NAMES as readonly string[]).indexOf(t);
  if (type < 0) {
    throw new HttpError(
      400,
      "invalid-arg",
      `bad value '${t}' for 'usageType': expected one of: ${SECRET_USAGE_NAMES.join(", ")}`,
    );
  }
  return await conn.secretLookupByUsage(type, key);
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw new HttpError(400, "invalid-arg", "'value' is not valid base64");
  }
}

const KEY_PATH = "/v1/secrets/:key";

/** Every secret route. */
export const SECRET_ROUTES: RouteSpec[] = [
  {
    method: "GET",
    path: "/v1/secrets",
    operationId: "listSecrets",
    summary: "list secrets",
    tag: "secrets",
    query: [{ ...FLAGS_QUERY, description: "VIR_CONNECT_LIST_SECRETS_* filter bits" }],
    response: { status: 200, type: "json", schema: "[SecretSummary]", description: "the secrets" },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      return jsonResponse((await (await ctx.conn()).listAllSecrets(flags)).map(secretJson));
    },
  },
  {
    method: "POST",
    path: "/v1/secrets",
    operationId: "defineSecret",
    summary: "define a secret (or update the one with the same UUID) from XML",
    tag: "secrets",
    query: [{ ...FLAGS_QUERY, description: "VIR_SECRET_DEFINE_* flags" }],
    body: { type: "xml", description: "the secret XML" },
    response: { status: 201, type: "json", schema: "SecretSummary", description: "the secret" },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      const xml = await ctx.body();
      const conn = await ctx.conn();
      const s = await ctx.locked("secrets", () => conn.secretDefineXML(xml, flags));
      return jsonResponse(secretJson(s), 201);
    },
  },
  {
    method: "GET",
    path: KEY_PATH,
    operationId: "getSecret",
    summary: "a secret's facts",
    tag: "secrets",
    query: KEY_QUERY,
    response: { status: 200, type: "json", schema: "SecretSummary", description: "the secret" },
    handler: async (ctx) => jsonResponse(secretJson(await lookup(ctx))),
  },
  {
    method: "GET",
    path: `${KEY_PATH}/xml`,
    operationId: "getSecretXml",
    summary: "the secret XML (never the value)",
    tag: "secrets",
    query: [...KEY_QUERY, FLAGS_QUERY],
    response: { status: 200, type: "xml", description: "the secret XML" },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      return xmlResponse(await (await lookup(ctx)).XMLDesc(flags));
    },
  },
  {
    method: "GET",
    path: `${KEY_PATH}/value`,
    operationId: "getSecretValue",
    summary: "the value, base64-encoded (refused for private secrets and on read-only listeners)",
    tag: "secrets",
    query: [...KEY_QUERY, FLAGS_QUERY],
    response: { status: 200, type: "json", schema: "SecretValue", description: "the value" },
    handler: async (ctx) => {
      if (ctx.readonly) {
        throw new HttpError(
          403,
          "operation-denied",
          "secret values cannot be read on a read-only connection",
        );
      }
      const flags = flagsParam(ctx);
      return jsonResponse({ value: toBase64(await (await lookup(ctx)).value(flags)) });
    },
  },
  {
    method: "PUT",
    path: `${KEY_PATH}/value`,
    operationId: "setSecretValue",
    summary: "set the value",
    tag: "secrets",
    query: [...KEY_QUERY, FLAGS_QUERY],
    body: { type: "json", schema: "SecretValue", description: '{"value": "BASE64"}' },
    response: { status: 200, type: "json", schema: "SecretSummary", description: "the secret" },
    handler: async (ctx) => {
      const flags = flagsParam(ctx);
      const body = await ctx.json();
      if (typeof body.value !== "string") {
        throw new HttpError(400, "invalid-arg", "the body needs a base64 string 'value'");
      }
      const value = fromBase64(body.value);
      const s = await lookup(ctx);
      await ctx.locked(`secret/${s.UUIDString()}`, () => s.setValue(value, flags));
      return jsonResponse(secretJson(s));
    },
  },
  {
    method: "DELETE",
    path: KEY_PATH,
    operationId: "deleteSecret",
    summary: "remove the secret and its value",
    tag: "secrets",
    query: KEY_QUERY,
    response: {
      status: 200,
      type: "json",
      schema: "SecretSummary",
      description: "the secret removed",
    },
    handler: async (ctx) => {
      const s = await lookup(ctx);
      await ctx.locked(`secret/${s.UUIDString()}`, () => s.undefine());
      return jsonResponse(secretJson(s));
    },
  },
];
