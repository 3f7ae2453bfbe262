package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * @param domain the domain that now runs (or is defined) from the backup
 * @param uuid its UUID
 * @param mode {@code new-domain}, {@code in-place} or {@code in-place-memory}
 * @param disks the restored active images
 * @param keptAside files that were at the target paths before, renamed so that nothing is lost
 * @param running whether the domain runs now
 */
public record RestoreResult(
    String domain,
    String backupId,
    String uuid,
    String mode,
    List<String> disks,
    List<String> keptAside,
    boolean running) {
  public RestoreResult {
    disks = disks == null ? List.of() : List.copyOf(disks);
    keptAside = keptAside == null ? List.of() : List.copyOf(keptAside);
  }
}
