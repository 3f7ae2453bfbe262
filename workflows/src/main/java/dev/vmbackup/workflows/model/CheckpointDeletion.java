package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Deletes checkpoints of a domain, and their bitmaps.
 *
 * @param checkpoints names; a checkpoint that does not exist (any more) is skipped
 */
public record CheckpointDeletion(String domain, List<String> checkpoints) {
  public CheckpointDeletion {
    checkpoints = checkpoints == null ? List.of() : List.copyOf(checkpoints);
  }
}
