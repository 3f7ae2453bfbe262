package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.VerifyRequest;
import dev.vmbackup.workflows.model.VerifyResult;
import io.temporal.activity.ActivityInterface;

@ActivityInterface
public interface VerifyActivities {
  /** Re-reads every file of a backup against its manifest and runs {@code qemu-img check} on its images. */
  VerifyResult verifyBackup(VerifyRequest request);

  /** Reads a backup's manifest. Fails {@code BACKUP_NOT_FOUND}. */
  Manifest readManifest(BackupRef backup);

  /**
   * Reads the manifests a backup needs to be restored: itself and, following each manifest's
   * {@code parentBackupId}, every backup it builds on, the one that stands alone first. Fails
   * {@code BACKUP_NOT_FOUND} naming the missing parent when the chain is broken.
   */
  java.util.List<Manifest> readBackupChain(BackupRef backup);
}
