/**
 * What the VMX converters need from their caller: how file names map between
 * the ESX host's file system and domain XML sources, and a few facts about
 * the host.
 * @module
 */

/** The context of {@link vmxToDomain}. */
export interface VmxReadContext {
  /**
   * Maps a file name found in the VMX file (absolute, or relative to the VMX
   * file's directory) to the source written in domain XML, typically a
   * datastore path such as `[datastore1] vm/disk.vmdk`. Returns `null` when
   * the file does not exist and `allowMissing` is set (a CD-ROM or floppy
   * image then loses its source); throws a `VirtError` otherwise.
   */
  parseFileName(fileName: string, allowMissing: boolean): string | null;
  /** The vCenter datacenter path of the host, kept as `<vmware:datacenterpath>`. */
  datacenterPath?: string;
}

/** What {@link VmxWriteContext.autodetectScsiModel} is told about a disk. */
export interface VmxDiskInfo {
  /** `disk`, `cdrom` or `lun`. */
  device: string;
  /** `file` or `block`. */
  type: string;
  /** Target name, e.g. `sda`. */
  dst: string;
  /** The domain-side source (a datastore path for images), if any. */
  source?: string;
  /** `<driver name>`, if any. */
  driverName?: string;
}

/** The context of {@link domainToVmx}. */
export interface VmxWriteContext {
  /**
   * Maps a domain XML source (a datastore path or an absolute path) to the
   * file name written in the VMX file; throws a `VirtError` for a source it
   * cannot map.
   */
  formatFileName(source: string): string;
  /**
   * Detects the SCSI controller model a disk needs, for controllers whose
   * model is `auto`; returns a controller model (`buslogic`, `lsilogic`,
   * `lsisas1068`, `vmpvscsi`) or undefined when it cannot tell.
   */
  autodetectScsiModel?(disk: VmxDiskInfo): string | undefined;
  /** The `virtualHW.version` to write (4 or higher). */
  virtualHWVersion: number;
}
