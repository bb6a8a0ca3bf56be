/**
 * The secret driver's storage: definitions, encrypted values, ephemeral
 * secrets in memory. See `docs/secrets.md`.
 * @module
 */
export {
  type DefineOptions,
  type GetValueOptions,
  MAX_SECRET_VALUE_BYTES,
  openSecretStore,
  SECRET_DRIVER,
  type SecretEntry,
  SecretStore,
} from "./store.ts";
