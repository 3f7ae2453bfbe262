package dev.vmbackup.host.xml;

import java.util.Map;

/** Turns a backed-up domain XML into the definition of a new domain restored beside the original. Pure. */
public final class RestoredDomainXml {
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
   */
  public static Rewritten forNewDomain(
      String xml, String name, String uuid, Map<String, String> diskPaths, String targetDir) {
    throw new UnsupportedOperationException("TODO");
  }
}
