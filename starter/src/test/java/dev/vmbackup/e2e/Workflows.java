package dev.vmbackup.e2e;

import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.CopyProgress;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.Optional;

/** What the Temporal server says about a workflow, for tests that act at a given point of it. */
final class Workflows {
  private Workflows() {}

  /**
   * The server's description of the workflow's latest run. The call waits for the channel to connect:
   * after a restart of the Temporal server, gRPC would otherwise fail calls at once with its last connect
   * error for as long as its reconnect backoff lasts.
   */
  static DescribeWorkflowExecutionResponse describe(WorkflowClient client, String workflowId) {
    return client.getWorkflowServiceStubs().blockingStub().withWaitForReady()
        .withDeadlineAfter(2, java.util.concurrent.TimeUnit.MINUTES).describeWorkflowExecution(
        DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .build());
  }

  static boolean isRunning(WorkflowClient client, String workflowId) {
    try {
      return describe(client, workflowId).getWorkflowExecutionInfo().getStatus()
          == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    } catch (io.grpc.StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /**
   * How many workflows the namespace has ever run, from the dev server's visibility store (SQLite, which
   * lists a started workflow at once): a request refused before anything started leaves it unchanged.
   */
  static long count(WorkflowClient client) {
    return client.getWorkflowServiceStubs().blockingStub().countWorkflowExecutions(
        io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace()).build()).getCount();
  }

  /** The workflow's current step, from its status query. */
  static String step(WorkflowClient client, String workflowId) {
    try {
      return client.newUntypedWorkflowStub(workflowId).query("status", BackupStatus.class).step();
    } catch (RuntimeException notYet) {
      return "";
    }
  }

  /** The heartbeated progress of a pending activity of that type, if it has heartbeated. */
  static Optional<CopyProgress> progress(WorkflowClient client, String workflowId, String activityType) {
    try {
      for (PendingActivityInfo activity : describe(client, workflowId).getPendingActivitiesList()) {
        if (activity.getActivityType().getName().equals(activityType) && activity.hasHeartbeatDetails()) {
          return Optional.ofNullable(DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
              0, Optional.of(activity.getHeartbeatDetails()), CopyProgress.class, CopyProgress.class));
        }
      }
    } catch (io.grpc.StatusRuntimeException notYet) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** Whether an activity of that type is pending and has been picked up by a worker. */
  static boolean activityStarted(WorkflowClient client, String workflowId, String activityType) {
    try {
      return describe(client, workflowId).getPendingActivitiesList().stream()
          .anyMatch(activity -> activity.getActivityType().getName().equals(activityType)
              && activity.getState() == io.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
    } catch (io.grpc.StatusRuntimeException notYet) {
      return false;
    }
  }

  /**
   * The started events of every activity of that type in the workflow's history. Temporal writes one
   * per activity, for its last attempt, with the attempt number, the identity of the worker that ran
   * it and the failure of the attempt before.
   */
  static java.util.List<io.temporal.api.history.v1.ActivityTaskStartedEventAttributes> activityStarts(
      WorkflowClient client, String workflowId, String activityType) {
    return activityStarts(client, workflowId).getOrDefault(activityType, java.util.List.of());
  }

  /** The started events of the workflow's latest run, by activity type, in history order. */
  static java.util.Map<String, java.util.List<io.temporal.api.history.v1.ActivityTaskStartedEventAttributes>>
      activityStarts(WorkflowClient client, String workflowId) {
    java.util.Map<Long, String> types = new java.util.HashMap<>();
    java.util.Map<String, java.util.List<io.temporal.api.history.v1.ActivityTaskStartedEventAttributes>> starts =
        new java.util.LinkedHashMap<>();
    for (var event : client.fetchHistory(workflowId).getHistory().getEventsList()) {
      if (event.hasActivityTaskScheduledEventAttributes()) {
        types.put(event.getEventId(), event.getActivityTaskScheduledEventAttributes().getActivityType().getName());
      } else if (event.hasActivityTaskStartedEventAttributes()) {
        var started = event.getActivityTaskStartedEventAttributes();
        starts.computeIfAbsent(types.get(started.getScheduledEventId()), type -> new java.util.ArrayList<>())
            .add(started);
      }
    }
    return starts;
  }

  static WorkflowExecutionStatus status(WorkflowClient client, String workflowId) {
    return describe(client, workflowId).getWorkflowExecutionInfo().getStatus();
  }
}
