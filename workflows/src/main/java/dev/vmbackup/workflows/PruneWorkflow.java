package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.PruneRequest;
import dev.vmbackup.workflows.model.PruneResult;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Applies a retention policy to one domain's backups, chain-aware; with dry run it only reports. */
@WorkflowInterface
public interface PruneWorkflow {
  @WorkflowMethod
  PruneResult prune(PruneRequest request);

  @QueryMethod
  BackupStatus status();

  static String workflowId(String host, String domain) {
    return "prune-" + host + "-" + domain;
  }
}
