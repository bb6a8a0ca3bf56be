/**
 * The generic checks and defaults applied to every parsed domain, before any
 * hypervisor driver sees it. Each device family or section adds its own check
 * to {@link DOMAIN_CHECKS}.
 * @module
 */
import { VirtError } from "../../errors.ts";
import { applyCpuNuma, resolveCpuTuning } from "./cpu-checks.ts";
import { DOMAIN_TYPE_FEATURES, type DomainDef } from "./def.ts";
import { bootableDeviceInfos } from "./devices/index.ts";
import { checkAudioRefs } from "./devices/audio.ts";
import { checkChardevs } from "./devices/chardev.ts";
import { FAMILY_A_CHECKS } from "./devices/family-a-checks.ts";
import { postParseInputs } from "./devices/input.ts";
import { checkSmartcards } from "./devices/smartcard.ts";
import { postParseVideos } from "./devices/video.ts";

/** A post-parse check or default; throws `VirtError` when the definition is wrong. */
export type DomainCheck = (def: DomainDef) => void;

function checkName(def: DomainDef): void {
  if (def.name.includes("/") && !DOMAIN_TYPE_FEATURES[def.type]?.nameSlash) {
    throw new VirtError("xml-detail", "domain", `name '${def.name}' cannot contain '/'`);
  }
}

/**
 * Boot order: `<os><boot>` and per-device `<boot order>` exclude each other;
 * a full-virt guest with neither boots from its first disk.
 */
function checkBootOrder(def: DomainDef): void {
  if (def.os.type !== "hvm" || DOMAIN_TYPE_FEATURES[def.type]?.noBootOrder) return;
  const deviceBoot = bootableDeviceInfos(def.devices).some((info) => info.bootOrder !== undefined);
  if (deviceBoot && def.os.bootDevices.length) {
    throw new VirtError("xml-error", "domain", "per-device boot elements cannot be used together with os/boot elements");
  }
  if (!deviceBoot && !def.os.bootDevices.length && def.bootloader === undefined) def.os.bootDevices.push("hd");
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
export const DOMAIN_CHECKS: DomainCheck[] = [checkName, checkBootOrder, applyCpuNuma, checkMemory, resolveCpuTuning, checkChardevs, checkSmartcards, postParseInputs, postParseVideos, checkAudioRefs, ...FAMILY_A_CHECKS];

/** Runs every {@link DOMAIN_CHECKS} entry on `def`. */
export function postParseDomain(def: DomainDef): void {
  for (const check of DOMAIN_CHECKS) check(def);
}
