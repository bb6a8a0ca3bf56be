/**
 * File-name contexts for VMX files kept on this host rather than on an ESX
 * datastore: `virtkit domxml-from-native vmware-vmx` and `domxml-to-native`
 * use them, and `import-vmx` builds on the same datastore mapping. Nothing
 * here touches the file system.
 *
 * A datastore map (`--datastore NAME=DIR`) says that the local folder DIR
 * holds a copy of datastore NAME, so `/vmfs/volumes/NAME/p`, `[NAME] p` and
 * `DIR/p` all name the same file.
 * @module
 */
import type { VmxReadContext, VmxWriteContext } from "./context.ts";
import { VirtError } from "../../src/errors.ts";
import { vmxError } from "./vmx-file.ts";

/** Datastore names and the local folders that hold them. */
export type DatastoreMap = ReadonlyMap<string, string>;

/**
 * Parses `NAME=DIR` datastore mappings. DIR must be absolute; trailing
 * slashes are dropped.
 *
 * @throws VirtError naming the malformed mapping or a name given twice
 * @example
 * ```ts
 * parseDatastoreMappings(["ds1=/srv/ds1/"]); // Map { "ds1" => "/srv/ds1" }
 * ```
 */
export function parseDatastoreMappings(specs: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const name = spec.slice(0, eq);
    const dir = trimSlashes(spec.slice(eq + 1));
    if (eq <= 0 || !spec.slice(eq + 1).startsWith("/") || /[\]\/]/.test(name)) {
      throw new VirtError(
        "invalid-arg",
        "vmx",
        `datastore mapping '${spec}' is not NAME=DIR with an absolute DIR`,
      );
    }
    if (map.has(name)) {
      throw new VirtError("invalid-arg", "vmx", `datastore '${name}' is mapped twice`);
    }
    map.set(name, dir);
  }
  return map;
}

function trimSlashes(dir: string): string {
  const t = dir.replace(/\/+$/, "");
  return t === "" ? "/" : t;
}

/** The folder part of an absolute path (`/a/b/c.vmx` → `/a/b`). */
export function dirnameOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** Joins an absolute folder and a relative name. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** `/vmfs/volumes/DS/PATH` split into datastore and path, or undefined. */
export function splitVmfsPath(name: string): { datastore: string; path: string } | undefined {
  const m = /^\/vmfs\/volumes\/([^/]+)\/(.+)$/.exec(name);
  return m ? { datastore: m[1], path: m[2] } : undefined;
}

/** `[DS] PATH` split into datastore and path, or undefined. */
export function splitDatastorePath(
  source: string,
): { datastore: string; path: string } | undefined {
  const m = /^\[([^\]]+)\] ?(.+)$/.exec(source);
  return m ? { datastore: m[1], path: m[2] } : undefined;
}

/** The datastore whose local folder holds `path`, and the path inside it, or undefined. */
export function findDatastore(
  path: string,
  datastores: DatastoreMap,
): { datastore: string; path: string } | undefined {
  for (const [datastore, dir] of datastores) {
    const prefix = dir === "/" ? "/" : dir + "/";
    if (path.startsWith(prefix) && path.length > prefix.length) {
      return { datastore, path: path.slice(prefix.length) };
    }
  }
  return undefined;
}

/**
 * Resolves a file name found in a VMX file to a local absolute path (or to
 * an unmapped `/vmfs/volumes/...` path, which is returned as is): a bare
 * name lives beside the VMX file, `/vmfs/volumes/DS/p` is `DIR/p` when DS is
 * mapped.
 *
 * @throws VirtError for a relative path with a folder, or a Windows path
 */
export function resolveVmxFileName(name: string, vmxDir: string, datastores: DatastoreMap): string {
  if (/^[A-Za-z]:[\\/]/.test(name) || name.includes("\\")) {
    throw vmxError(`file name '${name}' is a Windows path, which cannot be resolved on this host`);
  }
  const vmfs = splitVmfsPath(name);
  if (vmfs) {
    const dir = datastores.get(vmfs.datastore);
    return dir === undefined ? name : joinPath(dir, vmfs.path);
  }
  if (name.startsWith("/")) return name;
  if (name.includes("/")) {
    throw vmxError(
      `file name '${name}' is a relative path with a folder; only bare file names (beside the VMX file) and absolute paths are accepted`,
    );
  }
  return joinPath(vmxDir, name);
}

/**
 * The read context of `domxml-from-native vmware-vmx FILE`: like libvirt's
 * VMware driver it does not check that files exist. `/vmfs/volumes/DS/p`
 * becomes `[DS] p`; a bare name becomes the absolute path beside FILE; a
 * local path inside a mapped datastore folder becomes `[NAME] p`.
 *
 * @param vmxPath the VMX file's absolute path
 */
export function offlineReadContext(vmxPath: string, datastores: DatastoreMap): VmxReadContext {
  const vmxDir = dirnameOf(vmxPath);
  return {
    parseFileName(name) {
      const vmfs = splitVmfsPath(name);
      if (vmfs) return `[${vmfs.datastore}] ${vmfs.path}`;
      const local = resolveVmxFileName(name, vmxDir, datastores);
      const ds = findDatastore(local, datastores);
      return ds ? `[${ds.datastore}] ${ds.path}` : local;
    },
  };
}

/**
 * The write context of `domxml-to-native vmware-vmx`: `[DS] p` becomes
 * `/vmfs/volumes/DS/p`, a local path inside a mapped datastore folder
 * becomes `/vmfs/volumes/NAME/p`, any other absolute path stays. SCSI
 * controllers left to autodetection get `lsilogic`.
 *
 * @param virtualHWVersion the `virtualHW.version` to write (libvirt's VMware driver writes 7)
 */
export function offlineWriteContext(
  datastores: DatastoreMap,
  virtualHWVersion = 7,
): VmxWriteContext {
  return {
    virtualHWVersion,
    formatFileName(source) {
      const dsPath = splitDatastorePath(source);
      if (dsPath) return `/vmfs/volumes/${dsPath.datastore}/${dsPath.path}`;
      if (!source.startsWith("/")) {
        throw vmxError(
          `cannot write '${source}' as a VMX file name: expecting '[datastore] path' or an absolute path`,
        );
      }
      const ds = findDatastore(source, datastores);
      return ds ? `/vmfs/volumes/${ds.datastore}/${ds.path}` : source;
    },
    autodetectScsiModel: () => "lsilogic",
  };
}
