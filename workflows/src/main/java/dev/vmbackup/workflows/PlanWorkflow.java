package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.PlanResult;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One run of a backup policy: a backup child workflow per VM, at most {@code maxConcurrentPerHost} at
 * once, then the policy's retention per VM, then a notification. Started by the policy's Schedule.
 */
@WorkflowInterface
public interface PlanWorkflow {
  @WorkflowMethod
  PlanResult run(BackupPolicy policy);
}
