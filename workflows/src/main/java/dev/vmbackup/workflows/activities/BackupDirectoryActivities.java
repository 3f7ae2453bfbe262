package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.DiscardBackupRequest;
import dev.vmbackup.workflows.model.PrepareBackupRequest;
import dev.vmbackup.workflows.model.PreparedBackup;
import io.temporal.activity.ActivityInterface;

@ActivityInterface
public interface BackupDirectoryActivities {
  /**
   * Creates {@code <repository>/<domain>/<backupId>.partial/} and saves the domain XML into it.
   * Idempotent: a retry by the same owner gets the same directory back.
   */
  PreparedBackup prepareBackupDirectory(PrepareBackupRequest request);

  /** Deletes the partial and final directories of a backup that failed or was cancelled. Idempotent. */
  void discardBackup(DiscardBackupRequest request);
}
