/**
 * Persistent definitions and live status on disk for the stateful drivers:
 * where the files go ({@link statePaths}), how they are written
 * ({@link writeFileAtomic}), the per-kind store ({@link ObjectStore}) and the
 * per-object locks ({@link withObjectLock}). See `docs/state.md`.
 * @module
 */
export {
  DRIVER_NAME_RE,
  type StateLocation,
  stateLocation,
  type StateMode,
  type StatePaths,
  statePaths,
} from "./paths.ts";
export {
  type AtomicData,
  type AtomicWriteOptions,
  ensureDir,
  syncDir,
  writeFileAtomic,
} from "./atomic.ts";
export {
  checkObjectName,
  MAX_OBJECT_NAME_BYTES,
  ObjectStore,
  type ObjectStoreOptions,
} from "./store.ts";
export { withFileLock, withLock, withObjectLock } from "./lock.ts";
export { formatStatusFile, parseStatusFile } from "./status-file.ts";
