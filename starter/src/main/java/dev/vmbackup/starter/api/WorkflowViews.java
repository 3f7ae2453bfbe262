package dev.vmbackup.starter.api;

import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.CopyProgress;
import dev.vmbackup.workflows.model.FleetPlanResult;
import dev.vmbackup.workflows.model.PlanResult;
import dev.vmbackup.workflows.model.PruneResult;
import dev.vmbackup.workflows.model.RestoreResult;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** What the API says about a workflow: its status, current step and copy progress, and its result or error. */
final class WorkflowViews {
  /** The workflow a request started; poll {@code GET /api/workflows/{workflowId}}. */
  record Started(String workflowId, String runId) {}

  /**
   * @param status {@code running}, {@code completed}, {@code failed}, {@code canceled}, {@code terminated}, ...
   * @param step the step a running workflow is at (its status query)
   * @param progress bytes done and total of a running copy or verification, if one runs
   * @param result the workflow's result when completed
   * @param error the failure's message when failed
   */
  record WorkflowView(String workflowId, String runId, String type, String status, String step,
      CopyProgress progress, Object result, String error) {}

  private static final Map<String, Class<?>> RESULTS = Map.of(
      "BackupWorkflow", BackupResult.class,
      "RestoreWorkflow", RestoreResult.class,
      "PruneWorkflow", PruneResult.class,
      "PlanWorkflow", PlanResult.class,
      "FleetPlanWorkflow", FleetPlanResult.class);

  private WorkflowViews() {}

  static WorkflowView describe(WorkflowClient client, String workflowId) {
    DescribeWorkflowExecutionResponse description = client.getWorkflowServiceStubs().blockingStub()
        .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .build());
    var info = description.getWorkflowExecutionInfo();
    String type = info.getType().getName();
    String runId = info.getExecution().getRunId();
    String status = info.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(Locale.ROOT);
    WorkflowStub stub = client.newUntypedWorkflowStub(workflowId, Optional.of(runId), Optional.of(type));
    if (info.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
      String step = null;
      try {
        step = stub.query("status", BackupStatus.class).step();
      } catch (RuntimeException noStatusQuery) {
        // Plan workflows have no status query.
      }
      return new WorkflowView(workflowId, runId, type, status, step, progress(client, description), null, null);
    }
    if (info.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
      Object result = stub.getResult(RESULTS.getOrDefault(type, Object.class));
      return new WorkflowView(workflowId, runId, type, status, "done", null, result, null);
    }
    String error = null;
    try {
      stub.getResult(Object.class);
    } catch (WorkflowFailedException failed) {
      error = rootMessage(failed);
    } catch (RuntimeException other) {
      error = other.getMessage();
    }
    return new WorkflowView(workflowId, runId, type, status, null, null, null, error);
  }

  private static CopyProgress progress(WorkflowClient client, DescribeWorkflowExecutionResponse description) {
    for (PendingActivityInfo activity : description.getPendingActivitiesList()) {
      if (activity.hasHeartbeatDetails()) {
        try {
          // The client's converter: with a payload key, the worker encrypted the details.
          return client.getOptions().getDataConverter().fromPayloads(
              0, Optional.of(activity.getHeartbeatDetails()), CopyProgress.class, CopyProgress.class);
        } catch (RuntimeException notCopyProgress) {
          // A block job heartbeats other details; it has no byte progress to show.
        }
      }
    }
    return null;
  }

  private static String rootMessage(Throwable failure) {
    String message = failure.getMessage();
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ApplicationFailure application) {
        message = application.getOriginalMessage();
      }
    }
    return message;
  }
}
