package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.FleetPlanResult;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One run of a fleet policy (a policy with {@code hosts}): an inventory of each selected host, then one
 * {@link PlanWorkflow} child per host that has VMs to back up, with that host's part of the policy,
 * within the fleet-wide {@code maxConcurrent}. A host whose worker does not answer the inventory in
 * time is reported skipped; the others go on. Started by the policy's Schedule.
 */
@WorkflowInterface
public interface FleetPlanWorkflow {
  @WorkflowMethod
  FleetPlanResult run(BackupPolicy policy);

  /** The workflow id of a fleet policy's runs (the Schedule appends the time of each run). */
  static String workflowId(String policy) {
    return "fleet-" + policy;
  }

  /** The workflow id of a fleet run's plan of one host. */
  static String hostPlanId(String policy, String host) {
    return workflowId(policy) + "-" + host;
  }
}
