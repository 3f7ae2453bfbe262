package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.RestoreRequest;
import dev.vmbackup.workflows.model.RestoreResult;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Restores a backup as a new VM, or in place (keeping the current disks aside), optionally resuming
 * from the saved memory state. Checksums are verified before anything is changed.
 */
@WorkflowInterface
public interface RestoreWorkflow {
  @WorkflowMethod
  RestoreResult restore(RestoreRequest request);

  @QueryMethod
  BackupStatus status();

  static String workflowId(String host, String domain) {
    return "restore-" + host + "-" + domain;
  }
}
