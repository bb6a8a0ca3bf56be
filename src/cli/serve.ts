/**
 * `virtkit serve`: runs the HTTP API server (`src/server/`) until SIGINT or
 * SIGTERM, printing where it listens.
 * @module
 */
import { VirtError } from "../errors.ts";
import { type ListenSpec, parseListen, startServer } from "../server/mod.ts";
import type { CommandContext } from "./spec.ts";

/** Runs the server until a termination signal. */
export async function serve(ctx: CommandContext): Promise<void> {
  const listen: ListenSpec[] = [
    ...ctx.all("listen").map((a) => ({ ...parseListen(a), readonly: false })),
    ...ctx.all("listen-ro").map((a) => ({ ...parseListen(a), readonly: true })),
  ];
  const cert = ctx.str("tls-cert");
  const key = ctx.str("tls-key");
  const ca = ctx.str("tls-ca");
  if ((cert === undefined) !== (key === undefined)) {
    throw new VirtError("invalid-arg", "server", "--tls-cert and --tls-key go together");
  }
  if (ca !== undefined && cert === undefined) {
    throw new VirtError("invalid-arg", "server", "--tls-ca needs --tls-cert and --tls-key");
  }
  const maxBody = ctx.int("max-body");
  if (maxBody !== undefined && maxBody < 1) {
    throw new VirtError("invalid-arg", "server", "--max-body must be a positive number of bytes");
  }
  const server = await startServer({
    listen,
    tokenFile: ctx.str("token-file"),
    tls: cert !== undefined ? { cert, key: key!, ca } : undefined,
    insecure: ctx.bool("insecure"),
    maxBody,
    defaultUri: ctx.str("default-uri"),
    auditLog: ctx.str("audit-log"),
  });
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      for (const s of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(s, stop);
      resolve();
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
  console.error(`virtkit: listening on ${server.addresses.join(", ")}`);
  await stopped;
  await server.shutdown();
}
