package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.PlanResult;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One run of a backup policy: a backup child workflow per VM, at most {@code maxConcurrentPerHost} at
 * once (each not before its start-spread offset, if the policy has a spread), then the policy's
 * retention per VM, then a notification. Started by the policy's Schedule, or by a fleet run for each host.
 */
@WorkflowInterface
public interface PlanWorkflow {
  @WorkflowMethod
  PlanResult run(BackupPolicy policy);

  /** The workflow id of a single-host policy's runs (the Schedule appends the time of each run). */
  static String workflowId(String policy) {
    return "plan-" + policy;
  }
}
