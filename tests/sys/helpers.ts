/**
 * Shared pieces of the host networking tests: throwaway names, `ip -j`
 * output as JSON, temporary namespaces and the root requirement.
 * @module
 */
import { hasCommand, skipUnless } from "../skip.ts";

/** Whether the integration tests should be skipped (not root, or no `ip`). */
export const SKIP = skipUnless(
  Deno.uid() === 0 && hasCommand("ip"),
  "host networking tests need root and iproute2",
);

/** A unique throwaway interface name (`vkt` + random, at most 15 bytes). */
export function uniqueName(tag = ""): string {
  return `vkt${tag}${crypto.randomUUID().replaceAll("-", "").slice(0, 12 - tag.length)}`;
}

/** Runs `ip ARGS...` and returns its stdout, throwing with stderr on failure. */
export function ip(...args: string[]): string {
  const out = new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).outputSync();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`ip ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** `ip -j ARGS...` parsed; an empty answer is an empty list. */
// deno-lint-ignore no-explicit-any
export function ipJson(...args: string[]): any[] {
  const text = ip("-j", ...args).trim();
  return text === "" ? [] : JSON.parse(text);
}

/** The `ip -j -d link show dev NAME` entry of a link, or undefined when it does not exist. */
// deno-lint-ignore no-explicit-any
export function ipLink(name: string, netns?: string): any | undefined {
  const ns = netns ? ["-n", netns] : [];
  return ipJson(...ns, "-d", "link", "show").find((l) => l.ifname === name);
}

/** Deletes a link with `ip`, ignoring a link that is already gone (test cleanup). */
export function cleanupLink(name: string, netns?: string): void {
  const ns = netns ? ["-n", netns] : [];
  new Deno.Command("ip", { args: [...ns, "link", "del", name], stderr: "null" }).outputSync();
}

/** Runs `fn` with a fresh named namespace (`ip netns add`), deleting it afterwards. */
export function withTempNetns(fn: (name: string) => void): void {
  const name = uniqueName("ns");
  ip("netns", "add", name);
  try {
    fn(name);
  } finally {
    ip("netns", "del", name);
  }
}
