package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import dev.vmbackup.workflows.model.RepositoryCopyResult;
import io.temporal.activity.ActivityInterface;

@ActivityInterface
public interface RepositoryCopyActivities {
  /**
   * Copies the frozen images sparse-aware into the partial directory, hashing while copying,
   * writes {@code manifest.json}, fsyncs and renames the directory into place. Heartbeats a
   * {@code CopyProgress}; a retry resumes from the last heartbeat instead of starting over.
   */
  RepositoryCopyResult copyToRepository(RepositoryCopyRequest request);
}
