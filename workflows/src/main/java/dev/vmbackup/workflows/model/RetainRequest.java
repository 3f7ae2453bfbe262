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
 */
public record RetainRequest(
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
    boolean offline) {
  public RetainRequest {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    disks = disks == null ? List.of() : List.copyOf(disks);
  }
}
