package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Output of a backup workflow that succeeded: the backup is complete and verified.
 *
 * @param path absolute path of the backup directory on the host
 * @param bytesCopied bytes written into the repository (holes excluded)
 * @param warnings what an operator should know, e.g. a quiesce that fell back to crash consistency
 * @param parentBackupId the backup this one builds on (strategy {@code chain}), or null when it stands alone
 * @param stoppedMillis how long a {@code saved-state} capture stopped the VM, or null
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
    boolean verified,
    String parentBackupId,
    Long stoppedMillis) {
  public BackupResult {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    disks = disks == null ? List.of() : List.copyOf(disks);
  }

  /** A result of a backup that stands alone. */
  public BackupResult(String domain, String host, String backupId, String path, Strategy strategy,
      CaptureMode capture, List<String> warnings, long bytesCopied, List<ManifestDisk> disks, boolean verified) {
    this(domain, host, backupId, path, strategy, capture, warnings, bytesCopied, disks, verified, null, null);
  }
}
