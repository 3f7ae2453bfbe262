package dev.vmbackup.workflows.model;

import java.util.List;

/** Copies a backup's disks to their restore destinations; no destination may exist. */
public record RestoreCopyRequest(BackupRef backup, List<DiskPlacement> disks) {
  public RestoreCopyRequest {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }
}
