/**
 * A driver for concurrency tests whose start and destroy check the state,
 * wait a little (as a real hypervisor does while a process starts or
 * stops), then change it: without the server's per-domain serialisation,
 * two concurrent starts would both pass the check. Registered as
 * `slowtest://`; calls it does not implement fail with `no-support`.
 * @module
 */
import {
  type DomainSummary,
  type DriverConnection,
  type DriverDomainEvent,
  type LookupKey,
  registerDriver,
  VIR_DOMAIN_EVENT_DEFINED,
  VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_EVENT_STOPPED,
} from "../../src/connect.ts";
import { VirtError } from "../../src/errors.ts";

const domains: DomainSummary[] = [];
const listeners = new Set<(e: DriverDomainEvent) => void>();
let nextId = 1;

const pause = () => new Promise((r) => setTimeout(r, 1 + Math.random() * 3));

function find(key: LookupKey): DomainSummary {
  const d = domains.find((d) =>
    "name" in key ? d.name === key.name : "uuid" in key ? d.uuid === key.uuid : d.id === key.id
  );
  if (!d) throw new VirtError("no-domain", "test", `no domain matching ${JSON.stringify(key)}`);
  return d;
}

function emit(d: DomainSummary, event: number, detail: number): void {
  for (const l of listeners) l({ domain: { name: d.name, uuid: d.uuid, id: d.id }, event, detail });
}

const ref = (d: DomainSummary) => ({ name: d.name, uuid: d.uuid, id: d.id });

const impl: Partial<DriverConnection> = {
  uri: "slowtest:///x",
  type: "SLOWTEST",
  close: () => Promise.resolve(),
  listDomains: () => Promise.resolve(domains.map((d) => ({ ...d }))),
  lookupDomain: (key) => Promise.resolve().then(() => ref(find(key))),
  domainSummary: (uuid) => Promise.resolve().then(() => ({ ...find({ uuid }) })),
  domainState: (uuid) =>
    Promise.resolve().then(() => [find({ uuid }).state, 0] as [number, number]),
  defineDomain: (xml) => {
    const name = /<name>([^<]+)<\/name>/.exec(xml)![1];
    const d: DomainSummary = {
      name,
      uuid: crypto.randomUUID(),
      id: -1,
      state: 5,
      persistent: true,
      autostart: false,
      managedSave: false,
      hasSnapshot: false,
      hasCheckpoint: false,
    };
    domains.push(d);
    emit(d, VIR_DOMAIN_EVENT_DEFINED, 0);
    return Promise.resolve(ref(d));
  },
  startDomain: async (uuid) => {
    const d = find({ uuid });
    if (d.id !== -1) {
      throw new VirtError("operation-invalid", "test", `domain '${d.name}' is already running`);
    }
    await pause();
    d.id = nextId++;
    d.state = 1;
    emit(d, VIR_DOMAIN_EVENT_STARTED, 0);
    return ref(d);
  },
  destroyDomain: async (uuid) => {
    const d = find({ uuid });
    if (d.id === -1) {
      throw new VirtError("operation-invalid", "test", `domain '${d.name}' is not running`);
    }
    await pause();
    d.id = -1;
    d.state = 5;
    emit(d, VIR_DOMAIN_EVENT_STOPPED, 1);
  },
  subscribe: (l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

const connection = new Proxy(impl, {
  get: (target, prop) => {
    if (prop in target) return target[prop as keyof DriverConnection];
    if (typeof prop === "symbol" || prop === "then") return undefined;
    return () =>
      Promise.reject(new VirtError("no-support", "test", `slowtest does not implement ${prop}`));
  },
}) as DriverConnection;

/** Makes `slowtest:///x` available in this process. */
export function registerSlowDriver(): void {
  registerDriver(
    "slowtest",
    () => Promise.resolve({ name: "slowtest", open: () => Promise.resolve(connection) }),
  );
}
