package dev.vmbackup.activities;

/** Tells whether a workflow run is still open; lets a lock whose owner is gone be taken over. */
@FunctionalInterface
public interface WorkflowStatusLookup {
  /** True if the run is running; false if it has closed or does not exist. */
  boolean isRunning(String workflowId, String runId);
}
