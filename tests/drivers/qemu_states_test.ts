/**
 * Unit tests of the QEMU driver's pure parts: the status file format, the
 * state a QMP status means, and the lifecycle events a change of state gives.
 */
import { assertEquals, assertThrows } from "../assert.ts";
import { formatStatus, parseStatus, STATUS_VERSION } from "../../drivers/qemu/status.ts";
import { stateFromQmp, transitionEvents } from "../../drivers/qemu/states.ts";
import {
  VIR_DOMAIN_EVENT_CRASHED,
  VIR_DOMAIN_EVENT_PMSUSPENDED,
  VIR_DOMAIN_EVENT_RESUMED,
  VIR_DOMAIN_EVENT_STARTED,
  VIR_DOMAIN_EVENT_STOPPED,
  VIR_DOMAIN_EVENT_SUSPENDED,
  VIR_DOMAIN_PAUSED,
  VIR_DOMAIN_PMSUSPENDED,
  VIR_DOMAIN_RUNNING,
  VIR_DOMAIN_SHUTOFF,
} from "../../src/connect.ts";

const runtime = {
  version: STATUS_VERSION,
  id: 3,
  pid: 4242,
  binary: "/usr/bin/qemu-system-x86_64",
  state: VIR_DOMAIN_RUNNING,
  reason: 1,
  monitor: "/run/vk/qemu/domain-3-vm/monitor.sock",
  dir: "/run/vk/qemu/domain-3-vm",
  log: "/run/vk/qemu/vm.log",
  startedAt: 1700000000000,
  persistent: true,
  shutdownReason: "guest-<shutdown>&'",
  nics: [{ index: 0, ifname: "vnet0", release: { ifname: "vnet0" } }],
};
const domainXml = "<domain type='qemu' id='3'>\n  <name>vm</name>\n</domain>\n";

Deno.test("status file: runtime record and live XML survive a round trip", () => {
  const text = formatStatus(runtime, domainXml);
  assertEquals(text.startsWith("<domstatus>\n  <runtime>{"), true);
  const back = parseStatus(text, "/x/vm.xml");
  assertEquals(back.runtime, runtime);
  assertEquals(back.domainXml, domainXml);
});

Deno.test("status file: damaged or foreign files are refused, naming the file", () => {
  assertThrows(
    () => parseStatus("<domstatus/>", "/x/a.xml"),
    Error,
    "damaged status file '/x/a.xml': no <domain> element",
  );
  const old = formatStatus({ ...runtime, version: 99 }, domainXml);
  assertThrows(() => parseStatus(old, "/x/b.xml"), Error, "runtime record version 99");
  const bad = formatStatus(runtime, domainXml).replace("{", "{{");
  assertThrows(() => parseStatus(bad, "/x/c.xml"), Error, "bad runtime record");
});

Deno.test("QMP status to libvirt state and reason", () => {
  const running = { id: 1, state: VIR_DOMAIN_RUNNING, reason: 1 };
  const paused = { id: 1, state: VIR_DOMAIN_PAUSED, reason: 1 };
  assertEquals(stateFromQmp("running", running), { state: VIR_DOMAIN_RUNNING, reason: 1 });
  assertEquals(stateFromQmp("running", paused), { state: VIR_DOMAIN_RUNNING, reason: 5 });
  assertEquals(stateFromQmp("running", { id: 1, state: VIR_DOMAIN_PMSUSPENDED, reason: 0 }), {
    state: VIR_DOMAIN_RUNNING,
    reason: 8,
  });
  assertEquals(stateFromQmp("paused", running), { state: VIR_DOMAIN_PAUSED, reason: 1 });
  assertEquals(stateFromQmp("prelaunch", { id: 1, state: VIR_DOMAIN_SHUTOFF, reason: 0 }), {
    state: VIR_DOMAIN_PAUSED,
    reason: 11,
  });
  assertEquals(stateFromQmp("io-error", running), { state: VIR_DOMAIN_PAUSED, reason: 5 });
  assertEquals(stateFromQmp("watchdog", running), { state: VIR_DOMAIN_PAUSED, reason: 6 });
  assertEquals(stateFromQmp("suspended", running), { state: VIR_DOMAIN_PMSUSPENDED, reason: 0 });
  assertEquals(stateFromQmp("guest-panicked", running), { state: 6, reason: 1 });
});

Deno.test("lifecycle events from a change of state", () => {
  const off = { id: -1, state: VIR_DOMAIN_SHUTOFF, reason: 0 };
  const run = { id: 4, state: VIR_DOMAIN_RUNNING, reason: 1 };
  assertEquals(transitionEvents(off, run), [[VIR_DOMAIN_EVENT_STARTED, 0]]);
  assertEquals(transitionEvents(off, { ...run, state: VIR_DOMAIN_PAUSED, reason: 1 }), [
    [VIR_DOMAIN_EVENT_STARTED, 0],
    [VIR_DOMAIN_EVENT_SUSPENDED, 0],
  ]);
  assertEquals(transitionEvents(run, { ...run, state: VIR_DOMAIN_PAUSED, reason: 5 }), [[
    VIR_DOMAIN_EVENT_SUSPENDED,
    2,
  ]]);
  assertEquals(transitionEvents({ ...run, state: VIR_DOMAIN_PAUSED }, run), [[
    VIR_DOMAIN_EVENT_RESUMED,
    0,
  ]]);
  assertEquals(transitionEvents(run, { ...run, state: VIR_DOMAIN_PMSUSPENDED, reason: 0 }), [[
    VIR_DOMAIN_EVENT_PMSUSPENDED,
    0,
  ]]);
  assertEquals(transitionEvents(run, { ...run, state: 6, reason: 1 }), [[
    VIR_DOMAIN_EVENT_CRASHED,
    0,
  ]]);
  assertEquals(transitionEvents(run, { ...off, reason: 2 }), [[VIR_DOMAIN_EVENT_STOPPED, 1]]);
  assertEquals(transitionEvents(run, { ...off, reason: 1 }), [[VIR_DOMAIN_EVENT_STOPPED, 0]]);
  // Stopped and started again between two looks.
  assertEquals(transitionEvents(run, { ...run, id: 5 }), [[VIR_DOMAIN_EVENT_STOPPED, 5], [
    VIR_DOMAIN_EVENT_STARTED,
    0,
  ]]);
  assertEquals(transitionEvents(run, run), []);
});
