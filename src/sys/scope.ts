/**
 * Address and route scopes (`RT_SCOPE_*`), named as `ip` names them.
 * @module
 */

const NAMES: Record<number, string> = {
  0: "global",
  200: "site",
  253: "link",
  254: "host",
  255: "nowhere",
};

/** `RT_SCOPE_UNIVERSE`, `RT_SCOPE_LINK` and `RT_SCOPE_NOWHERE`. */
export const SCOPE_UNIVERSE = 0, SCOPE_LINK = 253, SCOPE_NOWHERE = 255;

/** The name of a scope number, or the number as text when it has none. */
export function scopeName(scope: number): string {
  return NAMES[scope] ?? String(scope);
}
