package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * @param decisions one per backup, newest first
 * @param removed the backups deleted (empty for a dry run)
 */
public record PruneResult(String domain, boolean dryRun, List<PruneDecision> decisions, List<String> removed) {
  public PruneResult {
    decisions = decisions == null ? List.of() : List.copyOf(decisions);
    removed = removed == null ? List.of() : List.copyOf(removed);
  }
}
