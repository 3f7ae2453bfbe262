package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.RetainRequest;
import dev.vmbackup.workflows.model.RetainResult;
import io.temporal.activity.ActivityInterface;

@ActivityInterface
public interface RetainActivities {
  /**
   * Copies the frozen images sparse-aware into the partial directory, hashing while copying,
   * writes {@code manifest.json}, fsyncs and renames the directory into place. Heartbeats a
   * {@code CopyProgress}; a retry resumes from the last heartbeat instead of starting over.
   */
  RetainResult copyToRepository(RetainRequest request);
}
