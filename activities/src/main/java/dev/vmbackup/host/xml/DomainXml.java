package dev.vmbackup.host.xml;

/** Reads and edits libvirt domain XML with the JDK's DOM API. Pure: no I/O beyond the strings. */
public final class DomainXml {
  private DomainXml() {}

  /** Parses a domain XML (live or inactive). Throws {@link IllegalArgumentException} on malformed XML. */
  public static DomainDefinition parse(String xml) {
    throw new UnsupportedOperationException("TODO");
  }

  /**
   * Returns the XML with the disk {@code target}'s source file and driver type replaced and any
   * {@code <backingStore>} of it removed; everything else is kept as it was.
   */
  public static String withDiskSource(String xml, String target, String path, String format) {
    throw new UnsupportedOperationException("TODO");
  }
}
