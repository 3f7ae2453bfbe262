package dev.vmbackup.host.xml;

import java.util.List;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** Builds {@code <domainsnapshot>} documents for external snapshots. Pure. */
public final class SnapshotXml {
  private SnapshotXml() {}

  /**
   * One overlay of an external snapshot.
   *
   * @param target disk target, e.g. {@code vda}
   * @param overlay absolute path of the qcow2 overlay libvirt creates
   */
  public record Overlay(String target, String overlay) {}

  /**
   * An external snapshot: each listed overlay gets {@code snapshot='external'} with
   * {@code <driver type='qcow2'/>} and {@code <source file=.../>}; each excluded target gets
   * {@code snapshot='no'}. With a memory file, {@code <memory snapshot='external' file=.../>}, else
   * {@code <memory snapshot='no'/>}.
   *
   * @param excludedTargets may be null for none
   * @param memoryFile may be null for a disk-only snapshot
   * @throws IllegalArgumentException when the name, a target or an overlay path is blank
   */
  public static String external(String name, List<Overlay> overlays, List<String> excludedTargets, String memoryFile) {
    requireText(name, "snapshot name");
    // The document is built with DOM rather than by concatenating strings so that paths with quotes,
    // ampersands, angle brackets or non-ASCII characters are always escaped correctly.
    Document document = XmlDocuments.newDocument();
    Element snapshot = document.createElement("domainsnapshot");
    document.appendChild(snapshot);

    Element nameElement = document.createElement("name");
    nameElement.setTextContent(name);
    snapshot.appendChild(nameElement);

    Element memory = document.createElement("memory");
    if (memoryFile == null) {
      memory.setAttribute("snapshot", "no");
    } else {
      requireText(memoryFile, "memory file");
      memory.setAttribute("snapshot", "external");
      memory.setAttribute("file", memoryFile);
    }
    snapshot.appendChild(memory);

    Element disks = document.createElement("disks");
    snapshot.appendChild(disks);
    for (Overlay overlay : overlays == null ? List.<Overlay>of() : overlays) {
      requireText(overlay.target(), "overlay target");
      requireText(overlay.overlay(), "overlay path of " + overlay.target());
      Element disk = document.createElement("disk");
      disk.setAttribute("name", overlay.target());
      disk.setAttribute("snapshot", "external");
      Element driver = document.createElement("driver");
      driver.setAttribute("type", "qcow2");
      disk.appendChild(driver);
      Element source = document.createElement("source");
      source.setAttribute("file", overlay.overlay());
      disk.appendChild(source);
      disks.appendChild(disk);
    }
    for (String target : excludedTargets == null ? List.<String>of() : excludedTargets) {
      requireText(target, "excluded target");
      Element disk = document.createElement("disk");
      disk.setAttribute("name", target);
      disk.setAttribute("snapshot", "no");
      disks.appendChild(disk);
    }
    return XmlDocuments.serialize(document, true);
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
  }
}
