/**
 * Vendor and product names from the `pci.ids` / `usb.ids` databases (the
 * files `lspci` and `lsusb` use), when one is installed.
 * @module
 */
import { readAttr } from "../sysfs.ts";

/** Vendors by id, each with its name and its products by id. */
export type IdDatabase = Map<number, { name: string; products: Map<number, string> }>;

const cache = new Map<string, Promise<IdDatabase | undefined>>();

/**
 * Parses the id database text: `vvvv  Vendor` lines, each followed by
 * `\tdddd  Product` lines; subsystem lines (two tabs) are skipped and the
 * class section at the end (`C xx ...`) ends the vendor list.
 */
export function parseIdDatabase(text: string): IdDatabase {
  const db: IdDatabase = new Map();
  let vendor: { name: string; products: Map<number, string> } | undefined;
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    let m = /^([0-9a-fA-F]{4})\s+(.+)$/.exec(line);
    if (m) {
      vendor = { name: m[2].trim(), products: new Map() };
      db.set(parseInt(m[1], 16), vendor);
      continue;
    }
    m = /^\t([0-9a-fA-F]{4})\s+(.+)$/.exec(line);
    if (m && vendor) {
      vendor.products.set(parseInt(m[1], 16), m[2].trim());
      continue;
    }
    if (!line.startsWith("\t")) vendor = undefined; // a class or other section
  }
  return db;
}

/** The first readable database among `paths`, parsed once per process. */
export function loadIdDatabase(paths: string[]): Promise<IdDatabase | undefined> {
  const key = paths.join("\0");
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      for (const path of paths) {
        const text = await readAttr(path);
        if (text !== undefined) return parseIdDatabase(text);
      }
      return undefined;
    })();
    cache.set(key, p);
  }
  return p;
}

/** The vendor and product names of an id pair, as far as the database knows them. */
export function lookupIds(
  db: IdDatabase | undefined,
  vendor: number,
  product: number,
): { vendor?: string; product?: string } {
  const v = db?.get(vendor);
  return { vendor: v?.name, product: v?.products.get(product) };
}
