package dev.vmbackup.host.xml;

import dev.vmbackup.workflows.model.ImageLayer;
import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** Reads and edits libvirt domain XML with the JDK's DOM API. Pure: no I/O beyond the strings. */
public final class DomainXml {
  private DomainXml() {}

  /** Parses a domain XML (live or inactive). Throws {@link IllegalArgumentException} on malformed XML. */
  public static DomainDefinition parse(String xml) {
    Element domain = domainElement(XmlDocuments.parse(xml));
    List<DomainDisk> disks = new ArrayList<>();
    for (Element disk : DiskElements.all(domain)) {
      disks.add(disk(disk));
    }
    return new DomainDefinition(
        Elements.text(Elements.child(domain, "name")),
        Elements.text(Elements.child(domain, "uuid")),
        Elements.attribute(domain, "type"),
        disks,
        nvram(domain));
  }

  /**
   * Returns the XML with the disk {@code target}'s source file and driver type replaced and any
   * {@code <backingStore>} of it removed; everything else is kept as it was.
   *
   * <p>A disk that was not file-backed becomes {@code type='file'}, since the new source is a file. A
   * missing {@code <source>} or {@code <driver>} is created.
   *
   * @throws IllegalArgumentException on malformed XML or when no disk has the target
   */
  public static String withDiskSource(String xml, String target, String path, String format) {
    requireText(target, "target");
    requireText(path, "path");
    requireText(format, "format");
    Document document = XmlDocuments.parse(xml);
    Element disk = DiskElements.byTarget(domainElement(document), target);
    if (disk == null) {
      throw new IllegalArgumentException("The domain has no disk with target " + target);
    }
    DiskElements.pointAtFile(disk, path, format);
    return XmlDocuments.serialize(document, false);
  }

  /** The root {@code <domain>} element, or an {@link IllegalArgumentException} for other documents. */
  static Element domainElement(Document document) {
    Element root = document.getDocumentElement();
    if (!Elements.isElement(root, "domain")) {
      throw new IllegalArgumentException("Not a libvirt domain XML: the root element is <" + root.getNodeName() + ">");
    }
    return root;
  }

  /**
   * The {@code <os><nvram>} path. libvirt 8.5 and later may also write it as a {@code <source file>}
   * child instead of the element's text, so both forms are read.
   */
  static String nvram(Element domain) {
    Element nvram = Elements.child(Elements.child(domain, "os"), "nvram");
    if (nvram == null) {
      return null;
    }
    Element source = Elements.child(nvram, "source");
    if (source != null) {
      return Elements.attribute(source, "file");
    }
    return Elements.text(nvram);
  }

  private static DomainDisk disk(Element disk) {
    // libvirt itself treats a disk without a type attribute as a file disk.
    String type = disk.hasAttribute("type") ? disk.getAttribute("type") : "file";
    String device = disk.hasAttribute("device") ? disk.getAttribute("device") : "disk";
    Element source = Elements.child(disk, "source");
    String path =
        switch (type) {
          case "file" -> Elements.attribute(source, "file");
          case "block" -> Elements.attribute(source, "dev");
          default -> null;
        };
    return new DomainDisk(
        DiskElements.target(disk),
        device,
        type,
        path,
        Elements.attribute(Elements.child(disk, "driver"), "type"),
        Elements.child(disk, "readonly") != null,
        Elements.child(disk, "shareable") != null,
        backingChain(disk));
  }

  /**
   * Follows the nested {@code <backingStore>} elements of the live XML. The walk stops at the
   * terminating empty {@code <backingStore/>} and at the first layer that is not a file with a known
   * format, because vmbackup cannot copy such a layer and everything below it is unreachable anyway.
   */
  private static List<ImageLayer> backingChain(Element disk) {
    List<ImageLayer> chain = new ArrayList<>();
    Element layer = Elements.child(disk, "backingStore");
    while (layer != null && "file".equals(Elements.attribute(layer, "type"))) {
      String path = Elements.attribute(Elements.child(layer, "source"), "file");
      String format = Elements.attribute(Elements.child(layer, "format"), "type");
      if (path == null || format == null) {
        break;
      }
      chain.add(new ImageLayer(path, format));
      layer = Elements.child(layer, "backingStore");
    }
    return chain;
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
