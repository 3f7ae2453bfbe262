package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.RepositoryCopyResult;

/**
 * The part of a backup that differs between strategies: freezing the disks, copying what was frozen
 * into the prepared directory (published with its manifest), and putting the VM back on a clean
 * chain. The workflow around it locks, inspects, prepares, verifies and reports. A strategy registers
 * a compensation before each step it takes.
 */
interface BackupStrategy {
  /**
   * @param published the published backup
   * @param capture the capture actually achieved
   * @param parentBackupId the backup this one builds on, or null when it stands alone
   * @param stoppedMillis how long a {@code saved-state} capture stopped the VM, or null
   * @param snapshotMillis how long the snapshot held the guest at most, or null when not measured
   */
  record Outcome(
      RepositoryCopyResult published, CaptureMode capture, String parentBackupId, Long stoppedMillis, Long snapshotMillis) {
    Outcome(RepositoryCopyResult published, CaptureMode capture) {
      this(published, capture, null, null, null);
    }

    Outcome(RepositoryCopyResult published, CaptureMode capture, String parentBackupId, Long stoppedMillis) {
      this(published, capture, parentBackupId, stoppedMillis, null);
    }
  }

  Outcome run(BackupContext context);
}
