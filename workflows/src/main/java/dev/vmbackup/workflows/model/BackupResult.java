package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Output of a backup workflow that succeeded: the backup is complete and verified.
 *
 * @param path absolute path of the backup directory on the host
 * @param bytesCopied bytes written into the repository (holes excluded)
 * @param warnings what an operator should know, e.g. a quiesce that fell back to crash consistency
 */
public record BackupResult(
    String domain,
    String host,
    String backupId,
    String path,
    Strategy strategy,
    CaptureMode capture,
    List<String> warnings,
    long bytesCopied,
    List<ManifestDisk> disks,
    boolean verified) {
  public BackupResult {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    disks = disks == null ? List.of() : List.copyOf(disks);
  }
}
