package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.StoreIngestRequest;
import dev.vmbackup.workflows.model.StoreIngestResult;
import io.temporal.activity.ActivityInterface;

/** Host steps of backups into a store repository ({@code kind: store}). */
@ActivityInterface
public interface StoreActivities {
  /**
   * Puts a published and verified backup of the staging directory into the store: every disk as a
   * complete image, the memory state, domain XML, NVRAM and manifest as blobs; then re-reads every chunk
   * the backup references from the store. Idempotent: a retry after the backup was committed returns it;
   * a retry before resumes, storing no chunk twice. The staged backup is left as it was.
   */
  StoreIngestResult ingestIntoStore(StoreIngestRequest request);

  /**
   * Unpacks the store's backup {@code backupId} of {@code domain} into the staging directory
   * {@code repository} as a published backup of kind files (each disk a standalone qcow2 image), for a
   * restore to read as it reads any other. Idempotent: a backup already unpacked there is left as it is.
   *
   * @throws io.temporal.failure.ApplicationFailure {@code BACKUP_NOT_FOUND} when the store has no such backup
   */
  void unpackFromStore(StoreIngestRequest request);

  /** Removes the backup from the store (its manifest; its chunks go at the next collection). Idempotent. */
  void forgetStoreBackup(StoreIngestRequest request);
}
