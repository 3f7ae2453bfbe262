package dev.vmbackup.host.xml;

import java.util.List;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** Finds {@code <disk>} elements of a domain and points them at new image files. */
final class DiskElements {
  private DiskElements() {}

  /** Every {@code <devices><disk>} of the domain, in document order. */
  static List<Element> all(Element domain) {
    Element devices = Elements.child(domain, "devices");
    return devices == null ? List.of() : Elements.children(devices, "disk");
  }

  /** The disk whose {@code <target dev>} is {@code target}, or null. */
  static Element byTarget(Element domain, String target) {
    for (Element disk : all(domain)) {
      if (target.equals(target(disk))) {
        return disk;
      }
    }
    return null;
  }

  /** The disk's {@code <target dev>}, or null. */
  static String target(Element disk) {
    return Elements.attribute(Elements.child(disk, "target"), "dev");
  }

  /**
   * Points {@code disk} at the image file {@code path}. The disk becomes {@code type='file'} because a
   * file name means nothing to libvirt on a block, network or volume disk; their source element is
   * replaced as a whole since its attributes and children (hosts, pools, devices) describe the old
   * storage. A file disk keeps its source's other attributes, such as {@code startupPolicy}, and its
   * children, such as per-disk {@code <seclabel>}. The {@code <backingStore>} children are removed: they
   * describe the old image's chain, and libvirt probes the new one itself. With a null {@code format}
   * the driver is left alone.
   */
  static void pointAtFile(Element disk, String path, String format) {
    Document document = disk.getOwnerDocument();
    Element source = Elements.child(disk, "source");
    String type = disk.hasAttribute("type") ? disk.getAttribute("type") : "file";
    if (!"file".equals(type)) {
      disk.setAttribute("type", "file");
      if (source != null) {
        Elements.remove(source);
        source = null;
      }
      // Credentials only ever belong to network storage.
      for (Element auth : Elements.children(disk, "auth")) {
        Elements.remove(auth);
      }
    }

    Element driver = Elements.child(disk, "driver");
    if (format != null) {
      if (driver == null) {
        driver = document.createElement("driver");
        driver.setAttribute("name", "qemu");
        driver.setAttribute("type", format);
        Elements.prepend(disk, driver);
      } else {
        driver.setAttribute("type", format);
      }
    }

    if (source == null) {
      source = document.createElement("source");
      if (driver != null) {
        Elements.insertAfter(driver, source);
      } else {
        Elements.prepend(disk, source);
      }
    }
    source.setAttribute("file", path);
    // The index numbered the replaced image in the running domain's block graph.
    source.removeAttribute("index");

    for (Element backingStore : Elements.children(disk, "backingStore")) {
      Elements.remove(backingStore);
    }
  }
}
