package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.IncrementalDecision;
import dev.vmbackup.workflows.model.IncrementalDecisionRequest;
import dev.vmbackup.workflows.model.CheckpointDeletion;
import dev.vmbackup.workflows.model.PruneCheckpointsRequest;
import io.temporal.activity.ActivityInterface;
import java.util.List;

/** libvirt checkpoints of incremental backups: whether a chain can go on, and their hygiene. */
@ActivityInterface
public interface CheckpointActivities {
  /**
   * Inspects the domain's checkpoints in libvirt, the dirty bitmaps of its disks, the disk set and
   * sizes against the parent backup, and the parent's chain in the repository, and decides whether
   * the backup continues the chain or starts a new one (see {@code IncrementalDecisions}). Changes
   * nothing. Fails {@code UNSUPPORTED_DISK} for a disk libvirt cannot track unless a full copy every
   * time is allowed.
   */
  IncrementalDecision planIncrementalBackup(IncrementalDecisionRequest request);

  /**
   * Deletes the checkpoints and their bitmaps. A checkpoint whose bitmap is gone loses its metadata
   * only; on a shut-off domain the bitmaps are removed from the images with {@code qemu-img}. Returns
   * the ones that existed. Idempotent.
   */
  List<String> deleteCheckpoints(CheckpointDeletion request);

  /**
   * Deletes the checkpoints no future backup needs (see {@link PruneCheckpointsRequest}); for
   * retention, after backups were deleted. Returns the deleted ones.
   */
  List<String> pruneCheckpoints(PruneCheckpointsRequest request);
}
