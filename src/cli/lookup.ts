/**
 * Finding the domain or network a command names, the way virsh does: a
 * number is tried as a domain id, a UUID as a UUID, then the word as a name.
 * @module
 */
import type { Domain, Network } from "../connect.ts";
import type { CommandContext } from "./spec.ts";
import { CliError } from "./output.ts";

const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

async function attempt<T>(f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch {
    return undefined;
  }
}

/** The domain named by the command's `domain` option (id, UUID or name). */
export async function lookupDomain(ctx: CommandContext): Promise<Domain> {
  const n = ctx.req("domain");
  const conn = await ctx.conn();
  let dom: Domain | undefined;
  if (/^\d+$/.test(n)) dom = await attempt(() => conn.lookupByID(Number(n)));
  if (!dom && UUID_RE.test(n)) dom = await attempt(() => conn.lookupByUUIDString(n));
  dom ??= await attempt(() => conn.lookupByName(n));
  if (!dom) throw new CliError(`failed to get domain '${n}'`);
  return dom;
}

/** The network named by the command's `network` option (UUID or name). */
export async function lookupNetwork(ctx: CommandContext): Promise<Network> {
  const n = ctx.req("network");
  const conn = await ctx.conn();
  let net: Network | undefined;
  if (UUID_RE.test(n)) net = await attempt(() => conn.networkLookupByUUIDString(n));
  net ??= await attempt(() => conn.networkLookupByName(n));
  if (!net) throw new CliError(`failed to get network '${n}'`);
  return net;
}
