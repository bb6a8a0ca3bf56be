/**
 * PLACEHOLDER: <launchSecurity> is not modelled yet; the owning helper replaces this file.
 * @module
 */
import type { XmlReader, XmlWriter } from "../../xml/mod.ts";
import type { FormatContext, ParseContext } from "./context.ts";

/** The parsed <launchSecurity> element. */
export interface LaunchSecurityDef {
  /** placeholder */
  _placeholder?: never;
}

/** Parses <launchSecurity>. */
export function parseLaunchSecurity(_r: XmlReader, _ctx: ParseContext): LaunchSecurityDef {
  return {};
}

/** Writes <launchSecurity>. */
export function formatLaunchSecurity(_w: XmlWriter, _v: LaunchSecurityDef, _ctx: FormatContext): void {}
