package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Copies the frozen images into the partial backup directory, writes the manifest and moves the
 * directory into place.
 *
 * @param disks the disks as inspected; their chains are frozen now (read-only to QEMU)
 * @param memoryFile the memory state inside the partial directory, or null
 * @param nvram the NVRAM file to copy, or null
 * @param startedAtMillis workflow start, for the manifest
 * @param offline the domain was shut off and no snapshot was taken: the copy fails if it is started meanwhile
 * @param parentBackupId for the manifest: the backup this one builds on, or null
 * @param chain for the manifest: strategy {@code chain}'s record of the overlays the VM is left on, or null
 * @param stoppedMillis for the manifest: how long a {@code saved-state} capture stopped the VM, or null
 */
public record RepositoryCopyRequest(
    String repository,
    String domain,
    String backupId,
    String partialDir,
    String finalDir,
    String host,
    String uuid,
    Strategy strategy,
    CaptureMode captureRequested,
    CaptureMode capture,
    List<String> warnings,
    List<DiskInfo> disks,
    String memoryFile,
    String nvram,
    long startedAtMillis,
    boolean offline,
    String parentBackupId,
    ChainRecord chain,
    Long stoppedMillis) {
  public RepositoryCopyRequest {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    disks = disks == null ? List.of() : List.copyOf(disks);
  }

  /** A backup that stands alone. */
  public RepositoryCopyRequest(String repository, String domain, String backupId, String partialDir, String finalDir,
      String host, String uuid, Strategy strategy, CaptureMode captureRequested, CaptureMode capture,
      List<String> warnings, List<DiskInfo> disks, String memoryFile, String nvram, long startedAtMillis,
      boolean offline) {
    this(repository, domain, backupId, partialDir, finalDir, host, uuid, strategy, captureRequested, capture, warnings,
        disks, memoryFile, nvram, startedAtMillis, offline, null, null, null);
  }
}
