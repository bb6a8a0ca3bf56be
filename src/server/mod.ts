/**
 * virtkit's HTTP API server (`virtkit serve`): every driver connection over
 * HTTP, on unix sockets and TCP, with bearer tokens, TLS, a read-only
 * socket, an audit log and systemd socket activation. See `docs/server.md`.
 * @module
 */
export { type AppOptions, createApp, ROUTES, type ServerApp } from "./app.ts";
export { type ActivatedSocket, activatedSockets } from "./activation.ts";
export { loadTokens, MIN_TOKEN_LENGTH, parseTokens, type TokenEntry } from "./auth.ts";
export { type AuditEntry, AuditLog, openAuditLog } from "./audit.ts";
export { DEFAULT_MAX_BODY } from "./body.ts";
export { ConnectionPool, URI_HEADER } from "./connections.ts";
export { httpStatus } from "./errors.ts";
export {
  checkListenerSecurity,
  isLoopback,
  type ListenAddress,
  type ListenSpec,
  parseListen,
} from "./listen-spec.ts";
export { openApiDocument } from "./openapi.ts";
export { defaultSocketPath } from "./paths.ts";
export { type RunningServer, type ServerConfig, startServer } from "./server.ts";
