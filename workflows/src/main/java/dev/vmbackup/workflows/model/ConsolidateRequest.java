package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Shortens the running chains of a domain's disks: the layers between each disk's active overlay and
 * the VM's own image are committed down into that image, then their files are deleted.
 *
 * @param disks the disks to consolidate; others are left alone
 */
public record ConsolidateRequest(String domain, List<Disk> disks) {
  public ConsolidateRequest {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }

  /**
   * @param target guest device name
   * @param top the active overlay, which stays
   * @param layers the layers between it and {@code base}, nearest first; committed into the base, then deleted
   * @param base the image the layers are committed into (the VM's own image)
   */
  public record Disk(String target, String top, List<String> layers, String base) {
    public Disk {
      layers = layers == null ? List.of() : List.copyOf(layers);
    }
  }
}
