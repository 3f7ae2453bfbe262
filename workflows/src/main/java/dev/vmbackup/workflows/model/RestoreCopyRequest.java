package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Copies a backup's disks to their restore destinations; no destination may exist.
 *
 * @param flatten turn each disk's chain into one standalone image at the active image's destination
 *     (the other layers are not kept)
 */
public record RestoreCopyRequest(BackupRef backup, List<DiskPlacement> disks, boolean flatten) {
  public RestoreCopyRequest {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }

  public RestoreCopyRequest(BackupRef backup, List<DiskPlacement> disks) {
    this(backup, disks, false);
  }
}
