/**
 * Node device XML as libvirt writes it (`virsh nodedev-dumpxml`).
 * @module
 */
import { XmlWriter } from "../../xml/mod.ts";
import type {
  MdevType,
  NodeDevCap,
  NodeDeviceDef,
  PciAddress,
  PciCap,
  PcieLink,
  PciVpd,
  StorageCap,
} from "./def.ts";

/** A PCI address as libvirt's `<address>`: zero-padded hex, the function unpadded. */
function address(w: XmlWriter, a: PciAddress): void {
  w.elem("address", [
    ["domain", `0x${hex(a.domain, 4)}`],
    ["bus", `0x${hex(a.bus, 2)}`],
    ["slot", `0x${hex(a.slot, 2)}`],
    ["function", `0x${a.function}`],
  ]);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

function idElem(w: XmlWriter, name: string, v: { id: number; name?: string }): void {
  const attrs = [["id", `0x${hex(v.id, 4)}`]] as const;
  if (v.name) w.text(name, v.name, attrs);
  else w.elem(name, attrs);
}

function mdevTypes(w: XmlWriter, types: MdevType[]): void {
  w.elem("capability", [["type", "mdev_types"]], (w) => {
    for (const t of types) {
      w.elem("type", [["id", t.id]], (w) => {
        w.text("name", t.name);
        w.text("deviceAPI", t.deviceAPI);
        w.text("availableInstances", t.availableInstances);
      });
    }
  });
}

function vpd(w: XmlWriter, v: PciVpd): void {
  w.elem("capability", [["type", "vpd"]], (w) => {
    w.text("name", v.name);
    const ro = v.readOnly;
    if (ro) {
      w.block("fields", [["access", "readonly"]], (w) => {
        w.text("change_level", ro.changeLevel);
        w.text("manufacture_id", ro.manufactureId);
        w.text("part_number", ro.partNumber);
        w.text("serial_number", ro.serialNumber);
        for (const f of ro.vendorFields) w.text("vendor_field", f.value, [["index", f.index]]);
      });
    }
    const rw = v.readWrite;
    if (rw) {
      w.block("fields", [["access", "readwrite"]], (w) => {
        w.text("asset_tag", rw.assetTag);
        for (const f of rw.vendorFields) w.text("vendor_field", f.value, [["index", f.index]]);
        for (const f of rw.systemFields) w.text("system_field", f.value, [["index", f.index]]);
      });
    }
  });
}

function link(w: XmlWriter, l: PcieLink, validity: "cap" | "sta"): void {
  w.elem("link", [["validity", validity], ["port", l.port], ["speed", l.speed], [
    "width",
    l.width,
  ]]);
}

function pci(w: XmlWriter, c: PciCap): void {
  if (c.class !== undefined) w.text("class", `0x${hex(c.class, 6)}`);
  w.text("domain", c.address.domain);
  w.text("bus", c.address.bus);
  w.text("slot", c.address.slot);
  w.text("function", c.address.function);
  idElem(w, "product", c.product);
  idElem(w, "vendor", c.vendor);
  if (c.physFunction) {
    const pf = c.physFunction;
    w.elem("capability", [["type", "phys_function"]], (w) => address(w, pf));
  }
  if (c.virtFunctions) {
    const vf = c.virtFunctions;
    w.elem(
      "capability",
      [["type", "virt_functions"], ["maxCount", vf.maxCount]],
      (w) => vf.addresses.forEach((a) => address(w, a)),
    );
  }
  if (c.mdevTypes?.length) mdevTypes(w, c.mdevTypes);
  if (c.vpd) vpd(w, c.vpd);
  if (c.iommuGroup) {
    const g = c.iommuGroup;
    w.elem("iommuGroup", [["number", g.number]], (w) => g.addresses.forEach((a) => address(w, a)));
  }
  if (c.numaNode !== undefined) w.elem("numa", [["node", c.numaNode]]);
  if (c.pciExpress) {
    const e = c.pciExpress;
    w.elem("pci-express", null, (w) => {
      if (e.cap) link(w, e.cap, "cap");
      if (e.sta) link(w, e.sta, "sta");
    });
  }
}

function storage(w: XmlWriter, c: StorageCap): void {
  w.text("block", c.block);
  w.text("bus", c.bus);
  w.text("drive_type", c.driveType);
  w.text("model", c.model);
  w.text("vendor", c.vendor);
  w.text("serial", c.serial);
  const blocks = (w: XmlWriter) => {
    if (c.logicalBlockSize > 0) {
      w.text("logical_block_size", c.logicalBlockSize);
      w.text("num_blocks", c.numBlocks);
    }
  };
  if (c.removable) {
    const r = c.removable;
    w.block("capability", [["type", "removable"]], (w) => {
      w.text("media_available", r.mediaAvailable ? 1 : 0);
      w.text("media_size", r.mediaSize);
      w.text("media_label", r.mediaLabel);
      blocks(w);
    });
  } else {
    w.text("size", c.size);
    blocks(w);
  }
  if (c.hotpluggable) w.elem("capability", [["type", "hotpluggable"]]);
}

function cap(w: XmlWriter, c: NodeDevCap): void {
  w.block("capability", [["type", c.type]], (w) => {
    switch (c.type) {
      case "system":
        w.text("product", c.product);
        w.block("hardware", null, (w) => {
          w.text("vendor", c.hardware.vendor);
          w.text("version", c.hardware.version);
          w.text("serial", c.hardware.serial);
          w.text("uuid", c.hardware.uuid);
        });
        w.block("firmware", null, (w) => {
          w.text("vendor", c.firmware.vendor);
          w.text("version", c.firmware.version);
          w.text("release_date", c.firmware.releaseDate);
        });
        break;
      case "pci":
        pci(w, c);
        break;
      case "usb_device":
        w.text("bus", c.bus);
        w.text("device", c.device);
        idElem(w, "product", c.product);
        idElem(w, "vendor", c.vendor);
        break;
      case "usb":
        w.text("number", c.number);
        w.text("class", c.class);
        w.text("subclass", c.subclass);
        w.text("protocol", c.protocol);
        w.text("description", c.description);
        break;
      case "net":
        w.text("interface", c.interface);
        w.text("address", c.address);
        if (c.link.speed || (c.link.state && c.link.state !== "unknown")) {
          w.elem("link", [["speed", c.link.speed || undefined], [
            "state",
            c.link.state === "unknown" ? undefined : c.link.state,
          ]]);
        }
        for (const f of c.features) w.elem("feature", [["name", f]]);
        w.elem("capability", [["type", c.subtype]]);
        break;
      case "storage":
        storage(w, c);
        break;
      case "scsi_host":
        w.text("host", c.host);
        w.text("unique_id", c.uniqueId);
        if (c.fcHost) {
          const fc = c.fcHost;
          w.block("capability", [["type", "fc_host"]], (w) => {
            w.text("wwnn", fc.wwnn);
            w.text("wwpn", fc.wwpn);
            w.text("fabric_wwn", fc.fabricWwn);
          });
        }
        if (c.vports) {
          const v = c.vports;
          w.block("capability", [["type", "vport_ops"]], (w) => {
            w.text("max_vports", v.max);
            w.text("vports", v.inUse);
          });
        }
        break;
      case "scsi_target":
        w.text("target", c.target);
        break;
      case "scsi":
        w.text("host", c.host);
        w.text("bus", c.bus);
        w.text("target", c.target);
        w.text("lun", c.lun);
        w.text("type", c.scsiType);
        break;
      case "scsi_generic":
        w.text("char", c.char);
        break;
      case "drm":
        w.text("type", c.drmType);
        break;
      case "mdev":
        w.elem("type", [["id", c.mdevType]]);
        w.text("uuid", c.uuid);
        w.text("parent_addr", c.parentAddr);
        if (c.iommuGroup !== undefined) w.elem("iommuGroup", [["number", c.iommuGroup]]);
        for (const a of c.attrs) w.elem("attr", [["name", a.name], ["value", a.value]]);
        break;
    }
  });
}

/**
 * Formats a node device as libvirt does: name, path, device nodes, parent,
 * driver, then each capability.
 */
export function formatNodeDeviceXml(def: NodeDeviceDef): string {
  const w = new XmlWriter();
  w.block("device", null, (w) => {
    w.text("name", def.name);
    w.text("path", def.path);
    w.text("devnode", def.devnode, [["type", "dev"]]);
    for (const l of def.devlinks) w.text("devnode", l, [["type", "link"]]);
    w.text("parent", def.parent);
    if (def.driver) w.block("driver", null, (w) => w.text("name", def.driver));
    for (const c of def.caps) cap(w, c);
  });
  return w.toString();
}
