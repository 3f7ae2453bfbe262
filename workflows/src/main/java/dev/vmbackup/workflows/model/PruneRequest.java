package dev.vmbackup.workflows.model;

/**
 * Input of the prune workflow, e.g. {@code {"domain":"vm-001","retention":{"keepDaily":7,"keepWeekly":4}}}.
 *
 * @param dryRun decide and report, delete nothing
 */
public record PruneRequest(String domain, String host, String repository, RetentionPolicy retention, Boolean dryRun) {
  public boolean dryRunRequested() {
    return Boolean.TRUE.equals(dryRun);
  }
}
