package dev.vmbackup.workflows;

import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Records runs of the workflow tests as histories for {@link HistoryReplayTest}: with
 * {@code -Dvmbackup.recordHistories=DIR} (workflows/src/test/resources/histories), a test's run is
 * written there as {@code NAME-RUNID.json}; without it, nothing happens.
 */
final class RecordedHistories {
  private RecordedHistories() {}

  static void record(WorkflowClient client, String workflowId, String name) {
    String dir = System.getProperty("vmbackup.recordHistories");
    if (dir == null || name == null) {
      return;
    }
    WorkflowExecutionHistory history = client.fetchHistory(workflowId);
    String runId = history.getEvents().get(0).getWorkflowExecutionStartedEventAttributes().getOriginalExecutionRunId();
    try {
      Files.writeString(Path.of(dir, name + "-" + runId + ".json"), history.toJson(true));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
