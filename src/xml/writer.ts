/**
 * Writes XML in libvirt's canonical layout: two-space indentation, attributes
 * in single quotes, empty elements self-closed, one element per line.
 * @module
 */
import type { XmlElement } from "./tree.ts";

/** An attribute to write; `undefined` or `null` values are skipped. */
export type Attr = readonly [string, string | number | undefined | null];

const ESCAPES: Record<string, string> = {
  "<": "&lt;",
  ">": "&gt;",
  "&": "&amp;",
  "'": "&apos;",
  '"': "&quot;",
};

/**
 * Escapes text for an attribute or element body the way libvirt does: the five
 * markup characters become entities and C0 control characters other than tab,
 * newline and carriage return are dropped.
 */
export function escapeXml(s: string): string {
  // deno-lint-ignore no-control-regex
  if (!/[<>&'"\x01-\x08\x0b\x0c\x0e-\x1f]/.test(s)) return s;
  // deno-lint-ignore no-control-regex
  return s.replace(/[<>&'"\x01-\x08\x0b\x0c\x0e-\x1f]/g, (c) => ESCAPES[c] ?? "");
}

function attrsText(attrs: readonly Attr[] | null | undefined): string {
  if (!attrs) return "";
  let s = "";
  for (const [k, v] of attrs) {
    if (v === undefined || v === null) continue;
    s += ` ${k}='${escapeXml(String(v))}'`;
  }
  return s;
}

/** Builds an indented XML document line by line. */
export class XmlWriter {
  private lines: string[] = [];
  private pad = "";

  /** Starts at the given indentation (in spaces). */
  constructor(indent = 0) {
    this.pad = " ".repeat(indent);
  }

  /**
   * Writes `<name attrs>` + whatever `body` writes + `</name>`, or `<name attrs/>`
   * when `body` is absent or writes nothing.
   */
  elem(name: string, attrs?: readonly Attr[] | null, body?: (w: XmlWriter) => void): void {
    const open = `${this.pad}<${name}${attrsText(attrs)}`;
    if (!body) {
      this.lines.push(open + "/>");
      return;
    }
    const mark = this.lines.length;
    this.lines.push(open + ">");
    const saved = this.pad;
    this.pad += "  ";
    body(this);
    this.pad = saved;
    if (this.lines.length === mark + 1) this.lines[mark] = open + "/>";
    else this.lines.push(`${this.pad}</${name}>`);
  }

  /**
   * Like {@link elem} but writes nothing at all when no attribute has a value
   * and `body` writes nothing (libvirt's `virXMLFormatElement`).
   */
  group(name: string, attrs: readonly Attr[] | null, body: (w: XmlWriter) => void): void {
    const mark = this.lines.length;
    this.elem(name, attrs, body);
    if (this.lines.length === mark + 1 && !attrsText(attrs)) this.lines.pop();
  }

  /**
   * Like {@link elem} but always writes an open and a close tag, even with an
   * empty body (libvirt does this for `<devices>`).
   */
  block(name: string, attrs: readonly Attr[] | null, body: (w: XmlWriter) => void): void {
    this.lines.push(`${this.pad}<${name}${attrsText(attrs)}>`);
    const saved = this.pad;
    this.pad += "  ";
    body(this);
    this.pad = saved;
    this.lines.push(`${this.pad}</${name}>`);
  }

  /** Writes `<name attrs>text</name>`; skipped when `text` is undefined or null. */
  text(name: string, text: string | number | undefined | null, attrs?: readonly Attr[] | null): void {
    if (text === undefined || text === null) return;
    this.lines.push(`${this.pad}<${name}${attrsText(attrs)}>${escapeXml(String(text))}</${name}>`);
  }

  /** Writes a line as given, at the current indentation. */
  line(s: string): void {
    this.lines.push(this.pad + s);
  }

  /** Writes a foreign subtree the way libxml2 formats it (double quotes). */
  verbatim(el: XmlElement, extraNs?: Record<string, string>): void {
    writeVerbatim(this, el, extraNs);
  }

  /** Whether nothing has been written. */
  get empty(): boolean {
    return this.lines.length === 0;
  }

  /** The document, each line ended by a newline. */
  toString(): string {
    return this.lines.length ? this.lines.join("\n") + "\n" : "";
  }
}

function escapeVerbatimText(s: string): string {
  return s.replace(/[<>&]/g, (c) => ESCAPES[c]);
}

function escapeVerbatimAttr(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ESCAPES[c]);
}

function writeVerbatim(w: XmlWriter, el: XmlElement, extraNs?: Record<string, string>): void {
  let open = `<${el.name}`;
  const ns = { ...extraNs, ...el.nsDecls };
  for (const [p, uri] of Object.entries(ns)) {
    open += ` ${p ? `xmlns:${p}` : "xmlns"}="${escapeVerbatimAttr(uri)}"`;
  }
  for (const [k, v] of Object.entries(el.attrs)) open += ` ${k}="${escapeVerbatimAttr(v)}"`;
  const kids = el.nodes.filter((n) => typeof n !== "string" || n.trim() !== "");
  if (kids.length === 0) {
    w.line(open + "/>");
    return;
  }
  if (kids.some((n) => typeof n === "string")) {
    w.line(open + ">" + inlineNodes(el.nodes) + `</${el.name}>`);
    return;
  }
  w.line(open + ">");
  const inner = new XmlWriter(0);
  for (const k of kids) writeVerbatim(inner, k as XmlElement);
  for (const l of inner.toString().split("\n")) if (l) w.line("  " + l);
  w.line(`</${el.name}>`);
}

function inlineNodes(nodes: (XmlElement | string)[]): string {
  let s = "";
  for (const n of nodes) {
    if (typeof n === "string") {
      s += escapeVerbatimText(n);
      continue;
    }
    let open = `<${n.name}`;
    for (const [p, uri] of Object.entries(n.nsDecls)) {
      open += ` ${p ? `xmlns:${p}` : "xmlns"}="${escapeVerbatimAttr(uri)}"`;
    }
    for (const [k, v] of Object.entries(n.attrs)) open += ` ${k}="${escapeVerbatimAttr(v)}"`;
    s += n.nodes.length ? `${open}>${inlineNodes(n.nodes)}</${n.name}>` : `${open}/>`;
  }
  return s;
}
