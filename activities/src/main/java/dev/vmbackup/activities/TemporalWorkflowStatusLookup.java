package dev.vmbackup.activities;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** {@link WorkflowStatusLookup} that asks the Temporal server. */
public final class TemporalWorkflowStatusLookup implements WorkflowStatusLookup {
  private final WorkflowClient client;

  public TemporalWorkflowStatusLookup(WorkflowClient client) {
    this.client = client;
  }

  @Override
  public boolean isRunning(String workflowId, String runId) {
    try {
      var response = client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
          DescribeWorkflowExecutionRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId(runId))
              .build());
      return response.getWorkflowExecutionInfo().getStatus()
          == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }
}
