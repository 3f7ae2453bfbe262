package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.BackupJobRequest;
import dev.vmbackup.workflows.model.BackupJobResult;
import dev.vmbackup.workflows.model.PublishIncrementalRequest;
import dev.vmbackup.workflows.model.RepositoryCopyResult;
import io.temporal.activity.ActivityInterface;

/** libvirt's backup API: a push-mode backup job that writes qcow2 images into the repository. */
@ActivityInterface
public interface BackupJobActivities {
  /**
   * Creates the target images, starts the backup job (with its checkpoint, atomically; the guest's
   * filesystems frozen around the start when asked) and waits for it, heartbeating its progress. A
   * retry re-attaches to the job if it still runs; if it ended without this activity seeing it
   * complete, its checkpoint is deleted and the job started again. Fails {@code DOMAIN_STATE} when the
   * VM stopped, {@code DISK_CHAIN_CHANGED} when a disk changed size since the decision to continue the
   * chain.
   */
  BackupJobResult runBackupJob(BackupJobRequest plan);

  /**
   * Compensation: aborts the job if it runs, thaws the guest if it is frozen, deletes the job's
   * checkpoint (its backup did not complete) and the target images. Safe when nothing ever started.
   */
  void cancelBackupJob(BackupJobRequest plan);

  /**
   * Hashes the images, copies the NVRAM, writes the manifest with parent, checkpoint, bitmaps and bytes
   * transferred, and publishes the backup directory. Idempotent.
   */
  RepositoryCopyResult publishIncrementalBackup(PublishIncrementalRequest request);
}
