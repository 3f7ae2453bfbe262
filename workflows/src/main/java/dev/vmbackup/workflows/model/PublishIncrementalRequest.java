package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Hashes the images a backup job wrote into the partial directory, writes the manifest and moves the
 * directory into place.
 *
 * @param parentBackupId the backup this one builds on, or null
 * @param checkpoint the checkpoint the job created, or null
 * @param bytesTransferred what the job copied, for the manifest
 * @param nvram the NVRAM file to copy, or null
 */
public record PublishIncrementalRequest(
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
    List<IncrementalDisk> disks,
    String nvram,
    long startedAtMillis,
    String parentBackupId,
    String checkpoint,
    long bytesTransferred) {
  public PublishIncrementalRequest {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    disks = disks == null ? List.of() : List.copyOf(disks);
  }
}
