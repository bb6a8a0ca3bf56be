/**
 * Node information: the summary of the host's processors and memory that
 * `virNodeGetInfo` returns and `virsh nodeinfo` prints.
 * @module
 */

/** The host's processors and memory, as libvirt's `virNodeInfo`. */
export interface NodeInfo {
  /** CPU model (the architecture name, e.g. `x86_64`). */
  model: string;
  /** Memory size in KiB. */
  memory: number;
  /** Number of active CPUs. */
  cpus: number;
  /** Expected CPU frequency in MHz. */
  mhz: number;
  /** NUMA cells (1 on a uniform memory host). */
  nodes: number;
  /** CPU sockets per NUMA cell. */
  sockets: number;
  /** Cores per socket. */
  cores: number;
  /** Threads per core. */
  threads: number;
}
