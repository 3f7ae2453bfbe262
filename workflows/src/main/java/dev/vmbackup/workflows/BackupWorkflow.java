package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.BackupStatus;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Backs up one VM: inspect, snapshot, copy into the repository, merge the overlays back, verify.
 * Succeeds only with a complete, verified backup; otherwise it undoes what it did and fails.
 */
@WorkflowInterface
public interface BackupWorkflow {
  @WorkflowMethod
  BackupResult backup(BackupRequest request);

  @QueryMethod
  BackupStatus status();

  /** The workflow id the starters use, so that Temporal itself refuses a second backup of a running one. */
  static String workflowId(String host, String domain) {
    return "backup-" + host + "-" + domain;
  }
}
