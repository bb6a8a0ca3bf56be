/**
 * Where the server's unix sockets live by default, shared by the server
 * and the remote client: `/run/virtkit/virtkit-sock` (and `-ro`) for root,
 * `$XDG_RUNTIME_DIR/virtkit/virtkit-sock` for other users.
 * @module
 */

/** The default read-write (or, with `ro`, read-only) unix socket path. */
export function defaultSocketPath(ro = false): string {
  const name = ro ? "virtkit-sock-ro" : "virtkit-sock";
  let runtime: string | undefined;
  try {
    runtime = Deno.uid() === 0 ? undefined : Deno.env.get("XDG_RUNTIME_DIR");
  } catch {
    // no --allow-env or --allow-sys: the system path
  }
  return runtime?.startsWith("/") ? `${runtime}/virtkit/${name}` : `/run/virtkit/${name}`;
}
