package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.MergeRequest;
import io.temporal.activity.ActivityInterface;

@ActivityInterface
public interface MergeActivities {
  /**
   * Commits the overlay into its base with an active block commit, pivots the disk onto the base and
   * deletes the overlay. A retry re-attaches to a running commit job, or finds the disk pivoted
   * already, instead of starting over. Fails {@code DISK_CHAIN_CHANGED} if the disk is on neither.
   */
  void blockCommit(MergeRequest request);
}
