package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.SnapshotRequest;
import dev.vmbackup.workflows.model.SnapshotResult;
import io.temporal.activity.ActivityInterface;

@ActivityInterface
public interface SnapshotActivities {
  /**
   * Freezes every planned disk at one instant with one atomic external snapshot and no libvirt
   * snapshot metadata: afterwards the VM writes to the overlays and the images below are read-only.
   * Idempotent: if the disks already run on the planned overlays, returns without a second snapshot.
   */
  SnapshotResult createExternalSnapshot(SnapshotRequest plan);

  /**
   * Compensation: undoes whatever part of the snapshot happened. Thaws guest filesystems, resumes a
   * VM the snapshot left paused, commits every overlay back into its image with pivot (so writes
   * made since the snapshot are kept), deletes overlays and the memory file. Safe when the snapshot
   * never ran.
   */
  void revertExternalSnapshot(SnapshotRequest plan);
}
