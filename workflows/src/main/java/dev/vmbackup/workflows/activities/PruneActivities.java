package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.BackupSummary;
import io.temporal.activity.ActivityInterface;
import java.util.List;

@ActivityInterface
public interface PruneActivities {
  /** The domain's published backups with what retention needs of them, oldest first. */
  List<BackupSummary> listBackups(BackupRef domain);

  /**
   * Deletes a published backup (renamed out of the listing first, so it never looks good half-deleted).
   * Idempotent. The {@code backupId} of the reference names the backup.
   */
  void deleteBackup(BackupRef backup);
}
