package dev.vmbackup.host.xml;

import java.util.List;

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
   */
  public static String external(String name, List<Overlay> overlays, List<String> excludedTargets, String memoryFile) {
    throw new UnsupportedOperationException("TODO");
  }
}
