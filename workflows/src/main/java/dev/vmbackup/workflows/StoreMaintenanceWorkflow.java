package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.StoreMaintenanceRequest;
import dev.vmbackup.workflows.model.StoreMaintenanceResult;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Upkeep of a store repository: sync off-site, verify, collect garbage, each when the request asks for it.
 * Fails {@code VERIFICATION_FAILED} when the verification found a bad chunk (after the collection ran),
 * so that a scheduled run that found damage shows as failed.
 */
@WorkflowInterface
public interface StoreMaintenanceWorkflow {
  @WorkflowMethod
  StoreMaintenanceResult maintain(StoreMaintenanceRequest request);

  static String workflowId(String host, String repository) {
    return "store-maintenance-" + host + "-" + repository;
  }
}
