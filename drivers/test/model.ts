/**
 * The test driver's door to the domain XML model, loaded on first use so
 * that listing domains never pays for it, plus what the test hypervisor
 * adds to every definition, as libvirt's test driver does: the host's
 * architecture (i686) for guests without one, a video model for adapters
 * without one, and `testnetN` names for interfaces without a target device.
 * @module
 */
import type { DomainDef } from "../../src/conf/domain/mod.ts";
import { importLazily } from "../../src/connect.ts";

type DomainModel = typeof import("../../src/conf/domain/mod.ts");
type VideoModule = typeof import("../../src/conf/domain/devices/video.ts");

let domainModel: Promise<[DomainModel, VideoModule]> | undefined;

/** The domain model modules, imported once. */
function loadDomainModel(): Promise<[DomainModel, VideoModule]> {
  return domainModel ??= Promise.all([
    importLazily<DomainModel>("../../src/conf/domain/mod.ts", import.meta.url),
    importLazily<VideoModule>("../../src/conf/domain/devices/video.ts", import.meta.url),
  ]);
}

/** Video adapters without a model get Xen's for paravirtual guests, VGA on ppc64, Cirrus otherwise. */
function defaultVideos(def: DomainDef, video: VideoModule): void {
  for (const v of def.devices.videos) {
    if (v.type !== "default") continue;
    v.type = def.os.type === "xen" || def.os.type === "linux"
      ? "xen"
      : def.os.arch?.startsWith("ppc64")
      ? "vga"
      : "cirrus";
    v.vram ||= video.defaultVideoRam(def, v.type);
  }
}

/** Interfaces without a target device get the first free `testnetN`. */
function generateIfnames(def: DomainDef): void {
  const used = new Set(
    def.devices.interfaces.map((n) => n.targetDev).filter((d) => d !== undefined),
  );
  let next = 0;
  for (const net of def.devices.interfaces) {
    if (net.targetDev !== undefined) continue;
    while (used.has(`testnet${next}`)) next++;
    net.targetDev = `testnet${next}`;
    used.add(net.targetDev);
  }
}

/**
 * Parses domain XML as the test hypervisor sees it: the persistent config
 * (runtime ids ignored) with the test host's defaults added.
 *
 * @param validate reject unknown elements and attributes
 */
export async function parseTestDomain(xml: string, validate: boolean): Promise<DomainDef> {
  const [{ parseDomainXml }, video] = await loadDomainModel();
  const def = parseDomainXml(xml, { inactive: true, validate, defaultArch: "i686" });
  defaultVideos(def, video);
  generateIfnames(def);
  return def;
}

/** Formats a domain definition (`inactive` leaves out runtime state, `secure` keeps passwords). */
export async function formatTestDomain(
  def: DomainDef,
  inactive: boolean,
  secure: boolean,
): Promise<string> {
  const [{ formatDomainXml }] = await loadDomainModel();
  return formatDomainXml(def, { inactive, secure });
}
