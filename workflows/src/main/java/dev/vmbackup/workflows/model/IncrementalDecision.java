package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Whether a backup continues its chain, and from where.
 *
 * @param full whether the backup copies the whole disks (the first of a chain, or a new start)
 * @param parentBackupId for an incremental (or differential): the backup it builds on; else null
 * @param incrementalFrom for an incremental: the checkpoint whose changes it copies; else null
 * @param checkpoints whether the backup creates a checkpoint at all: false when a disk cannot carry a
 *     dirty bitmap and every backup is a full copy
 * @param disks each disk now, with the parent's image of it for an incremental
 * @param reason why a full backup is taken although the chain could have gone on (a missing
 *     checkpoint or bitmap, a resized disk, ...), for the manifest's warnings; null when the backup
 *     continues the chain or is simply the first one
 * @param staleCheckpoints vmbackup checkpoints that nothing needs any more (of an abandoned chain, of
 *     a backup that did not complete, superseded by a newer one): deleted before the backup starts
 * @param warnings what else an operator should know
 */
public record IncrementalDecision(
    boolean full,
    String parentBackupId,
    String incrementalFrom,
    boolean checkpoints,
    List<PlannedDisk> disks,
    String reason,
    List<String> staleCheckpoints,
    List<String> warnings) {
  public IncrementalDecision {
    disks = disks == null ? List.of() : List.copyOf(disks);
    staleCheckpoints = staleCheckpoints == null ? List.of() : List.copyOf(staleCheckpoints);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  /**
   * A disk as the decision plans it.
   *
   * @param parentFile for an incremental: the parent backup's image of the disk, relative to the
   *     parent's backup directory; else null
   */
  public record PlannedDisk(String target, String source, String format, long virtualSize, String parentFile) {}
}
