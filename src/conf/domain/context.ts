/**
 * Options threaded through every domain parse and format function.
 * @module
 */

/** What the parser was asked to do. */
export interface ParseContext {
  /** Parse the persistent config only: runtime state (ids, live ports, aliases) is ignored. */
  inactive: boolean;
  /** Reject unknown elements and attributes, like `virsh define --validate`. */
  validate: boolean;
  /** The hypervisor driver's architecture for guests that name none. */
  defaultArch?: string;
}

/** What the formatter was asked to do. */
export interface FormatContext {
  /** Format the persistent config only, leaving out runtime state. */
  inactive: boolean;
  /** Include security-sensitive values such as VNC passwords. */
  secure: boolean;
}
