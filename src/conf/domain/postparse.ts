/**
 * The generic checks and defaults applied to every parsed domain, before any
 * hypervisor driver sees it. Each device family or section adds its own check
 * to {@link DOMAIN_CHECKS}.
 * @module
 */
import { VirtError } from "../../errors.ts";
import { applyCpuNuma, resolveCpuTuning } from "./cpu-checks.ts";
import type { DomainDef } from "./def.ts";
import { checkAudioRefs } from "./devices/audio.ts";
import { checkChardevs } from "./devices/chardev.ts";
import { postParseInputs } from "./devices/input.ts";
import { checkSmartcards } from "./devices/smartcard.ts";
import { postParseVideos } from "./devices/video.ts";

/** A post-parse check or default; throws `VirtError` when the definition is wrong. */
export type DomainCheck = (def: DomainDef) => void;

function checkName(def: DomainDef): void {
  // VMware display names may hold a slash (libvirt's VMX parser allows it).
  if (def.name.includes("/") && def.type !== "vmware") {
    throw new VirtError("xml-detail", "domain", `name '${def.name}' cannot contain '/'`);
  }
}

function checkMemory(def: DomainDef): void {
  const m = def.memory;
  if (m.total === 0) {
    throw new VirtError("xml-detail", "domain", "memory size must be specified via <memory> or in the <numa> configuration");
  }
  if (m.current === 0 || m.current > m.total) m.current = m.total;
  if ((m.max !== undefined || m.slots !== undefined) && !(m.max && m.slots)) {
    throw new VirtError("xml-detail", "domain", "both maximum memory size and memory slot count must be specified in <maxMemory>");
  }
  if (m.max !== undefined && m.max < m.total) {
    throw new VirtError("xml-detail", "domain", "maximum memory size must be equal or greater than the actual memory size");
  }
}

/** The checks run, in order, after parsing. */
export const DOMAIN_CHECKS: DomainCheck[] = [checkName, applyCpuNuma, checkMemory, resolveCpuTuning, checkChardevs, checkSmartcards, postParseInputs, postParseVideos, checkAudioRefs];

/** Runs every {@link DOMAIN_CHECKS} entry on `def`. */
export function postParseDomain(def: DomainDef): void {
  for (const check of DOMAIN_CHECKS) check(def);
}
