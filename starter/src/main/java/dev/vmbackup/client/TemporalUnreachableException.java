package dev.vmbackup.client;

import io.temporal.api.common.v1.WorkflowExecution;

/**
 * The Temporal server stayed unreachable while a caller waited for a workflow's result. The workflow
 * itself is durable and goes on without the caller; the message says which one, so that the user can
 * follow it elsewhere.
 */
public final class TemporalUnreachableException extends RuntimeException {
  private final WorkflowExecution execution;

  TemporalUnreachableException(WorkflowExecution execution, String target, Throwable cause) {
    super("lost the Temporal server at " + target + " while following workflow " + execution.getWorkflowId()
        + " (run " + execution.getRunId() + "); the workflow goes on without this command: follow it in the"
        + " Web UI or with 'temporal workflow show -w " + execution.getWorkflowId() + "'", cause);
    this.execution = execution;
  }

  public WorkflowExecution execution() {
    return execution;
  }
}
