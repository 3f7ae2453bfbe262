package dev.vmbackup.e2e;

import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Exports the histories of the workflows a test class ran, for the replay tests in workflows/: a
 * change to workflow code that would break workflows already running then fails the build.
 */
final class Histories {
  private Histories() {}

  static void export(WorkflowClient client, String host, Path dir) {
    try {
      Files.createDirectories(dir);
      var response = client.getWorkflowServiceStubs().blockingStub().listWorkflowExecutions(
          ListWorkflowExecutionsRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setQuery("WorkflowId STARTS_WITH 'backup-" + host + "' OR WorkflowId STARTS_WITH 'restore-" + host
                  + "' OR WorkflowId STARTS_WITH 'prune-" + host + "' OR WorkflowId STARTS_WITH 'store-maintenance-" + host
                  + "' OR WorkflowType = 'PlanWorkflow'"
                  + " OR WorkflowType = 'FleetPlanWorkflow'")
              .setPageSize(200)
              .build());
      for (WorkflowExecutionInfo info : response.getExecutionsList()) {
        String status = info.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "").toLowerCase(Locale.ROOT);
        String name = info.getType().getName() + "-" + status + "-" + info.getExecution().getRunId() + ".json";
        String json = client.fetchHistory(info.getExecution().getWorkflowId(), info.getExecution().getRunId())
            .toJson(true);
        Files.writeString(dir.resolve(name), json, StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
