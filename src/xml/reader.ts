/**
 * Typed, position-aware access to a parsed element. Every read marks what it
 * touched, so that a `validate` pass can report any element or attribute that
 * no parser looked at (see {@link findUnused}).
 * @module
 */
import { type ErrorDomain, VirtError } from "../errors.ts";
import { directText, type XmlElement } from "./tree.ts";

/** Reads one element; create with {@link XmlReader.root} or from a parent reader. */
export class XmlReader {
  /** The element read. */
  readonly el: XmlElement;
  /** Subsystem named in errors. */
  readonly domain: ErrorDomain;

  /** Wraps `el`, marking it as read. */
  constructor(el: XmlElement, domain: ErrorDomain) {
    this.el = el;
    this.domain = domain;
    el.used = true;
  }

  /** Qualified element name. */
  get name(): string {
    return this.el.name;
  }

  /** "line N" for messages. */
  get where(): string {
    return `line ${this.el.line}`;
  }

  /** A `VirtError` ("xml-detail") about this element, with its line. */
  error(message: string): VirtError {
    return new VirtError("xml-detail", this.domain, `${message} (<${this.el.name}> at ${this.where})`);
  }

  /** Whether the attribute is present (does not mark it read). */
  has(name: string): boolean {
    return name in this.el.attrs;
  }

  /** An attribute's raw value, or undefined. */
  attr(name: string): string | undefined {
    const v = this.el.attrs[name];
    if (v === undefined) return undefined;
    (this.el.usedAttrs ??= new Set()).add(name);
    return v;
  }

  /** An attribute that must be present. */
  req(name: string): string {
    const v = this.attr(name);
    if (v === undefined) throw this.error(`missing attribute '${name}'`);
    return v;
  }

  /** An attribute restricted to a list of values. */
  enum<const T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.attr(name);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      throw this.error(`invalid value '${v}' for attribute '${name}', expected one of: ${values.join(", ")}`);
    }
    return v as T;
  }

  /** A required attribute restricted to a list of values. */
  reqEnum<const T extends string>(name: string, values: readonly T[]): T {
    const v = this.enum(name, values);
    if (v === undefined) throw this.error(`missing attribute '${name}'`);
    return v;
  }

  /** A non-negative decimal integer attribute (`hex` also accepts a 0x prefix). */
  uint(name: string, opts: { hex?: boolean } = {}): number | undefined {
    const v = this.attr(name);
    if (v === undefined) return undefined;
    return parseUint(v, opts.hex ?? false, () => this.error(`invalid value '${v}' for attribute '${name}', expected a non-negative integer`));
  }

  /** A required non-negative integer attribute. */
  reqUint(name: string, opts: { hex?: boolean } = {}): number {
    const v = this.uint(name, opts);
    if (v === undefined) throw this.error(`missing attribute '${name}'`);
    return v;
  }

  /** A signed decimal integer attribute. */
  int(name: string): number | undefined {
    const v = this.attr(name);
    if (v === undefined) return undefined;
    if (!/^\s*[-+]?\d+\s*$/.test(v)) throw this.error(`invalid value '${v}' for attribute '${name}', expected an integer`);
    return Number(v);
  }

  /** A `yes`/`no` attribute as a boolean. */
  yesNo(name: string): boolean | undefined {
    const v = this.enum(name, ["yes", "no"] as const);
    return v === undefined ? undefined : v === "yes";
  }

  /** An `on`/`off` attribute as a boolean. */
  onOff(name: string): boolean | undefined {
    const v = this.enum(name, ["on", "off"] as const);
    return v === undefined ? undefined : v === "on";
  }

  /** The first child element with this name, or undefined. */
  child(name: string): XmlReader | undefined {
    for (const n of this.el.nodes) {
      if (typeof n !== "string" && n.name === name) return new XmlReader(n, this.domain);
    }
    return undefined;
  }

  /** Every child element with this name, in order. */
  children(name: string): XmlReader[] {
    const out: XmlReader[] = [];
    for (const n of this.el.nodes) {
      if (typeof n !== "string" && n.name === name) out.push(new XmlReader(n, this.domain));
    }
    return out;
  }

  /** Child elements in namespace `uri` with local name `local`, in order. */
  childrenNs(uri: string, local: string): XmlReader[] {
    const out: XmlReader[] = [];
    for (const n of this.el.nodes) {
      if (typeof n !== "string" && n.uri === uri && n.local === local) out.push(new XmlReader(n, this.domain));
    }
    return out;
  }

  /** Every child element, in order. */
  elements(): XmlReader[] {
    const out: XmlReader[] = [];
    for (const n of this.el.nodes) if (typeof n !== "string") out.push(new XmlReader(n, this.domain));
    return out;
  }

  /** Whether a child element with this name exists (does not mark it read). */
  hasChild(name: string): boolean {
    return this.el.nodes.some((n) => typeof n !== "string" && n.name === name);
  }

  /** The element's direct character data, untrimmed. */
  text(): string {
    return directText(this.el);
  }

  /** The trimmed text of a child element, or undefined when the child is absent. */
  childText(name: string): string | undefined {
    const c = this.child(name);
    return c === undefined ? undefined : c.text().trim();
  }

  /** The child's text as a non-negative integer, or undefined when absent. */
  childUint(name: string, opts: { hex?: boolean } = {}): number | undefined {
    const c = this.child(name);
    if (c === undefined) return undefined;
    const v = c.text().trim();
    return parseUint(v, opts.hex ?? false, () => c.error(`invalid value '${v}', expected a non-negative integer`));
  }

  /** Marks the whole subtree as kept verbatim (foreign content). */
  keepVerbatim(): XmlElement {
    this.el.verbatim = true;
    return this.el;
  }
}

function parseUint(v: string, hex: boolean, bad: () => VirtError): number {
  const t = v.trim();
  if (/^\+?\d+$/.test(t)) return Number(t);
  if (hex && /^0x[0-9a-fA-F]+$/.test(t)) return parseInt(t.slice(2), 16);
  throw bad();
}

/**
 * Finds the first element or attribute that no reader touched below a read
 * root, for `validate` mode. Returns a description with its line, or undefined.
 */
export function findUnused(el: XmlElement): string | undefined {
  if (el.verbatim) return undefined;
  for (const a of Object.keys(el.attrs)) {
    if (!el.usedAttrs?.has(a)) return `unknown attribute '${a}' on <${el.name}> at line ${el.line}`;
  }
  for (const n of el.nodes) {
    if (typeof n === "string") continue;
    if (!n.used) return `unknown element <${n.name}> in <${el.name}> at line ${n.line}`;
    const inner = findUnused(n);
    if (inner) return inner;
  }
  return undefined;
}
