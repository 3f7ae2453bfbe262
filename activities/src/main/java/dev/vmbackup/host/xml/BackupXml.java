package dev.vmbackup.host.xml;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Builds and reads libvirt's {@code <domainbackup>} and {@code <domaincheckpoint>} documents. Pure.
 */
public final class BackupXml {
  private BackupXml() {}

  /**
   * A disk a push-mode backup writes.
   *
   * @param target disk target, e.g. {@code vda}
   * @param file the existing image the job writes into
   * @param format its format
   */
  public record PushDisk(String target, String file, String format) {}

  /**
   * A checkpoint's view of one disk.
   *
   * @param bitmap the bitmap's name, or null for a disk the checkpoint does not track
   * @param size bytes the bitmap marks as changed, when libvirt was asked for sizes and QEMU has the bitmap
   */
  public record CheckpointDisk(String target, String bitmap, Long size) {}

  /**
   * A push-mode backup: each listed disk into its file; every other disk of the domain is named with
   * {@code backup='no'} so that libvirt's defaults never add one.
   *
   * @param incrementalFrom the checkpoint whose changes are copied, or null for a full backup
   */
  public static String push(List<PushDisk> disks, List<String> excludedTargets, String incrementalFrom) {
    Document document = XmlDocuments.newDocument();
    Element backup = document.createElement("domainbackup");
    backup.setAttribute("mode", "push");
    document.appendChild(backup);
    if (incrementalFrom != null) {
      requireText(incrementalFrom, "checkpoint");
      Element incremental = document.createElement("incremental");
      incremental.setTextContent(incrementalFrom);
      backup.appendChild(incremental);
    }
    Element list = document.createElement("disks");
    backup.appendChild(list);
    for (PushDisk disk : disks) {
      requireText(disk.target(), "target");
      requireText(disk.file(), "file of " + disk.target());
      Element element = document.createElement("disk");
      element.setAttribute("name", disk.target());
      element.setAttribute("backup", "yes");
      element.setAttribute("type", "file");
      Element target = document.createElement("target");
      target.setAttribute("file", disk.file());
      element.appendChild(target);
      Element driver = document.createElement("driver");
      driver.setAttribute("type", disk.format());
      element.appendChild(driver);
      list.appendChild(element);
    }
    for (String excluded : excludedTargets) {
      Element element = document.createElement("disk");
      element.setAttribute("name", excluded);
      element.setAttribute("backup", "no");
      list.appendChild(element);
    }
    return XmlDocuments.serialize(document, true);
  }

  /**
   * A checkpoint with a bitmap of its own name on each tracked disk and {@code checkpoint='no'} on the
   * others.
   */
  public static String checkpoint(String name, List<String> trackedTargets, List<String> excludedTargets) {
    requireText(name, "checkpoint name");
    Document document = XmlDocuments.newDocument();
    Element checkpoint = document.createElement("domaincheckpoint");
    document.appendChild(checkpoint);
    Element nameElement = document.createElement("name");
    nameElement.setTextContent(name);
    checkpoint.appendChild(nameElement);
    Element list = document.createElement("disks");
    checkpoint.appendChild(list);
    for (String target : trackedTargets) {
      Element disk = document.createElement("disk");
      disk.setAttribute("name", target);
      disk.setAttribute("checkpoint", "bitmap");
      disk.setAttribute("bitmap", name);
      list.appendChild(disk);
    }
    for (String target : excludedTargets) {
      Element disk = document.createElement("disk");
      disk.setAttribute("name", target);
      disk.setAttribute("checkpoint", "no");
      list.appendChild(disk);
    }
    return XmlDocuments.serialize(document, true);
  }

  /** Disk target to target file of every disk a backup job's XML backs up. */
  public static Map<String, String> targets(String backupXml) {
    Element root = XmlDocuments.parse(backupXml).getDocumentElement();
    if (!Elements.isElement(root, "domainbackup")) {
      throw new IllegalArgumentException("Not a libvirt backup XML: the root element is <" + root.getNodeName() + ">");
    }
    Map<String, String> targets = new LinkedHashMap<>();
    for (Element disk : disks(root)) {
      if ("no".equals(Elements.attribute(disk, "backup"))) {
        continue;
      }
      targets.put(Elements.attribute(disk, "name"), Elements.attribute(Elements.child(disk, "target"), "file"));
    }
    return targets;
  }

  /** The disks of a checkpoint's XML, in document order. */
  public static List<CheckpointDisk> checkpointDisks(String checkpointXml) {
    Element root = XmlDocuments.parse(checkpointXml).getDocumentElement();
    if (!Elements.isElement(root, "domaincheckpoint")) {
      throw new IllegalArgumentException(
          "Not a libvirt checkpoint XML: the root element is <" + root.getNodeName() + ">");
    }
    return disks(root).stream()
        .map(disk -> {
          boolean tracked = "bitmap".equals(Elements.attribute(disk, "checkpoint"));
          String size = Elements.attribute(disk, "size");
          return new CheckpointDisk(Elements.attribute(disk, "name"),
              tracked ? Elements.attribute(disk, "bitmap") : null, size == null ? null : Long.parseLong(size));
        })
        .toList();
  }

  private static List<Element> disks(Element root) {
    Element disks = Elements.child(root, "disks");
    return disks == null ? List.of() : Elements.children(disks, "disk");
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
  }
}
