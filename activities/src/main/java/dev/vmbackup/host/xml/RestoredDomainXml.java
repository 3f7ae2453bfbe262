package dev.vmbackup.host.xml;

import java.util.Locale;
import java.util.Map;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** Turns a backed-up domain XML into the definition of a new domain restored beside the original. Pure. */
public final class RestoredDomainXml {
  /** The prefix libvirt reserves for user-chosen device aliases, which are configuration, not state. */
  private static final String USER_ALIAS_PREFIX = "ua-";

  private RestoredDomainXml() {}

  /**
   * The new definition and the files it refers to that the restore must create.
   *
   * @param xml the domain XML to define
   * @param nvramCopy original NVRAM path to its new path, or null when the domain has no NVRAM
   */
  public record Rewritten(String xml, Map.Entry<String, String> nvramCopy) {}

  /**
   * Rewrites a domain XML for a new domain: name and UUID replaced; every {@code <mac>} of an
   * interface removed so that libvirt assigns new addresses; each disk in {@code diskPaths} (by target)
   * pointed at its new file with its {@code <backingStore>} removed; NVRAM moved to
   * {@code <targetDir>/<name>_VARS.fd}; file-backed serial/console logs moved to
   * {@code <targetDir>/<name>-<original file name>}; explicit UNIX socket paths of channels removed so
   * that libvirt generates fresh ones; fixed graphics ports switched to autoport; runtime-only
   * attributes and elements (ids, aliases, seclabels with generated labels) dropped.
   *
   * <p>A rewritten disk becomes {@code type='file'} and its driver type follows the new file's
   * extension ({@code .qcow2} is qcow2, {@code .raw} and {@code .img} are raw; any other extension
   * leaves the driver as it was). Disks not in {@code diskPaths}, such as CD-ROMs, keep their source.
   *
   * @param diskPaths disk target to the path of its restored image; may be null for none
   * @throws IllegalArgumentException on malformed XML, blank arguments, or a target in {@code diskPaths}
   *     that the domain does not have
   */
  public static Rewritten forNewDomain(
      String xml, String name, String uuid, Map<String, String> diskPaths, String targetDir) {
    requireText(name, "name");
    requireText(uuid, "uuid");
    requireText(targetDir, "targetDir");
    Document document = XmlDocuments.parse(xml);
    Element domain = DomainXml.domainElement(document);
    String dir = targetDir.length() > 1 && targetDir.endsWith("/")
        ? targetDir.substring(0, targetDir.length() - 1)
        : targetDir;

    // The id only exists while the original domain runs.
    domain.removeAttribute("id");
    replaceIdentity(domain, name, uuid);
    rewriteDisks(domain, diskPaths == null ? Map.of() : diskPaths);
    Map.Entry<String, String> nvramCopy = moveNvram(domain, join(dir, name + "_VARS.fd"));

    Element devices = Elements.child(domain, "devices");
    if (devices != null) {
      forgetMacAddresses(devices);
      moveCharacterDeviceFiles(devices, dir, name);
      forgetChannelSockets(devices);
      useAutomaticGraphicsPorts(devices);
      dropGeneratedAliases(devices);
    }
    dropGeneratedSecurityLabels(domain);
    return new Rewritten(XmlDocuments.serialize(document, false), nvramCopy);
  }

  private static void replaceIdentity(Element domain, String name, String uuid) {
    Document document = domain.getOwnerDocument();
    Element nameElement = Elements.child(domain, "name");
    if (nameElement == null) {
      nameElement = document.createElement("name");
      Elements.prepend(domain, nameElement);
    }
    nameElement.setTextContent(name);
    Element uuidElement = Elements.child(domain, "uuid");
    if (uuidElement == null) {
      uuidElement = document.createElement("uuid");
      Elements.insertAfter(nameElement, uuidElement);
    }
    uuidElement.setTextContent(uuid);
  }

  private static void rewriteDisks(Element domain, Map<String, String> diskPaths) {
    for (Map.Entry<String, String> entry : diskPaths.entrySet()) {
      requireText(entry.getKey(), "disk target");
      requireText(entry.getValue(), "restored path of disk " + entry.getKey());
      Element disk = DiskElements.byTarget(domain, entry.getKey());
      if (disk == null) {
        throw new IllegalArgumentException("The domain has no disk with target " + entry.getKey());
      }
      DiskElements.pointAtFile(disk, entry.getValue(), formatOf(entry.getValue()));
    }
    // Live XML numbers every image of the running block graph; the numbers mean nothing to a new domain.
    for (Element disk : DiskElements.all(domain)) {
      for (Element source : Elements.descendants(disk, "source")) {
        source.removeAttribute("index");
      }
      for (Element backingStore : Elements.descendants(disk, "backingStore")) {
        backingStore.removeAttribute("index");
      }
    }
  }

  /** The image format a restored file has, judged by its extension, or null when unknown. */
  static String formatOf(String path) {
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".qcow2")) {
      return "qcow2";
    }
    if (lower.endsWith(".raw") || lower.endsWith(".img")) {
      return "raw";
    }
    return null;
  }

  /**
   * Points {@code <os><nvram>} at the new domain's own variable store. Its attributes, such as the
   * {@code template} libvirt would copy from for a missing file, are kept. An {@code <nvram>} without a
   * path is left alone: libvirt derives one from the new name when it defines the domain.
   */
  private static Map.Entry<String, String> moveNvram(Element domain, String newPath) {
    String oldPath = DomainXml.nvram(domain);
    if (oldPath == null) {
      return null;
    }
    Element nvram = Elements.child(Elements.child(domain, "os"), "nvram");
    Element source = Elements.child(nvram, "source");
    if (source != null) {
      source.setAttribute("file", newPath);
    } else {
      nvram.setTextContent(newPath);
    }
    return Map.entry(oldPath, newPath);
  }

  private static void forgetMacAddresses(Element devices) {
    for (Element iface : Elements.children(devices, "interface")) {
      for (Element mac : Elements.children(iface, "mac")) {
        Elements.remove(mac);
      }
    }
  }

  /**
   * Moves serial and console output files, and their {@code <log>} files, next to the restored disks so
   * that the two domains do not write into the same file. A console that mirrors a serial port names
   * the same file and therefore moves to the same new file.
   */
  private static void moveCharacterDeviceFiles(Element devices, String dir, String name) {
    for (String kind : new String[] {"serial", "console"}) {
      for (Element device : Elements.children(devices, kind)) {
        if ("file".equals(Elements.attribute(device, "type"))) {
          Element source = Elements.child(device, "source");
          String path = Elements.attribute(source, "path");
          if (path != null) {
            source.setAttribute("path", join(dir, name + "-" + fileName(path)));
          }
        }
        for (Element log : Elements.children(device, "log")) {
          String path = Elements.attribute(log, "file");
          if (path != null) {
            log.setAttribute("file", join(dir, name + "-" + fileName(path)));
          }
        }
      }
    }
  }

  /**
   * Removes the socket paths of channels in which libvirt listens ({@code mode='bind'}); libvirt
   * generates a path per domain when there is none, so the new domain cannot collide with the
   * original's socket. A source left with nothing but its mode is removed altogether, which is how
   * libvirt's own inactive XML describes such a channel. Sockets the domain connects to ({@code
   * mode='connect'}, libvirt's default for UNIX sources) belong to some server outside the domain and
   * must keep their path.
   */
  private static void forgetChannelSockets(Element devices) {
    for (Element channel : Elements.children(devices, "channel")) {
      if (!"unix".equals(Elements.attribute(channel, "type"))) {
        continue;
      }
      for (Element source : Elements.children(channel, "source")) {
        if (!"bind".equals(Elements.attribute(source, "mode"))) {
          continue;
        }
        source.removeAttribute("path");
        boolean onlyMode = source.getAttributes().getLength() == 1 && !Elements.hasChildElements(source);
        if (onlyMode) {
          Elements.remove(source);
        }
      }
    }
  }

  /**
   * Lets libvirt pick free ports: the original domain may still be running on the fixed ones. A fixed
   * websocket port becomes {@code -1}, which asks libvirt to allocate one too.
   */
  private static void useAutomaticGraphicsPorts(Element devices) {
    for (Element graphics : Elements.children(devices, "graphics")) {
      boolean fixed = graphics.hasAttribute("port") || graphics.hasAttribute("tlsPort")
          || "no".equals(graphics.getAttribute("autoport"));
      if (fixed) {
        graphics.removeAttribute("port");
        graphics.removeAttribute("tlsPort");
        graphics.setAttribute("autoport", "yes");
      }
      String websocket = Elements.attribute(graphics, "websocket");
      if (websocket != null && !"-1".equals(websocket)) {
        graphics.setAttribute("websocket", "-1");
      }
    }
  }

  /** Drops the aliases libvirt generated for the running original; user aliases are configuration. */
  private static void dropGeneratedAliases(Element devices) {
    for (Element alias : Elements.descendants(devices, "alias")) {
      String aliasName = Elements.attribute(alias, "name");
      if (aliasName == null || !aliasName.startsWith(USER_ALIAS_PREFIX)) {
        Elements.remove(alias);
      }
    }
  }

  /**
   * Drops security labels generated for the running original. A dynamic label is generated as a whole,
   * so the element goes unless it carries a user-chosen {@code <baselabel>}, in which case only the
   * generated labels go. The {@code <imagelabel>} of any other domain-level seclabel is output-only;
   * its user-chosen {@code <label>} stays. Per-disk seclabels are always configuration and stay.
   */
  private static void dropGeneratedSecurityLabels(Element domain) {
    for (Element seclabel : Elements.children(domain, "seclabel")) {
      if ("dynamic".equals(Elements.attribute(seclabel, "type"))) {
        if (Elements.child(seclabel, "baselabel") == null) {
          Elements.remove(seclabel);
          continue;
        }
        for (Element label : Elements.children(seclabel, "label")) {
          Elements.remove(label);
        }
      }
      for (Element imageLabel : Elements.children(seclabel, "imagelabel")) {
        Elements.remove(imageLabel);
      }
    }
  }

  private static String join(String dir, String fileName) {
    return "/".equals(dir) ? "/" + fileName : dir + "/" + fileName;
  }

  private static String fileName(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.substring(slash + 1);
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
  }
}
