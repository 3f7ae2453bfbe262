package dev.vmbackup.starter;

import dev.vmbackup.client.VmBackupClient;
import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.CopyProgress;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Shows the step and copy progress of a running workflow on a terminal, read from the workflow's
 * status query and the copy activity's heartbeat details. Does nothing when stdout is not a terminal.
 */
final class ProgressDisplay implements AutoCloseable {
  private final ScheduledExecutorService timer;
  private final PrintWriter out;
  private volatile int lastWidth;

  private ProgressDisplay(ScheduledExecutorService timer, PrintWriter out) {
    this.timer = timer;
    this.out = out;
  }

  static ProgressDisplay start(VmBackupClient client, WorkflowExecution execution, PrintWriter out, boolean enabled) {
    if (!enabled || System.console() == null) {
      return new ProgressDisplay(null, out);
    }
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "vmbackup-progress");
      thread.setDaemon(true);
      return thread;
    });
    ProgressDisplay display = new ProgressDisplay(timer, out);
    timer.scheduleWithFixedDelay(() -> display.show(client, execution), 1, 1, TimeUnit.SECONDS);
    return display;
  }

  /** Waits for the workflow's result, showing its progress meanwhile when stdout is a terminal. */
  static <R> R follow(VmBackupClient client, WorkflowExecution execution, Class<R> resultType, PrintWriter out,
      boolean enabled) {
    try (ProgressDisplay progress = start(client, execution, out, enabled)) {
      return client.await(execution, resultType);
    }
  }

  private void show(VmBackupClient client, WorkflowExecution execution) {
    try {
      BackupStatus status = client.status(execution);
      String line = status.step() + copyProgress(client, execution).map(p -> " " + p).orElse("");
      out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
      out.flush();
      lastWidth = line.length();
    } catch (RuntimeException e) {
      // Progress is a courtesy; a failed query must not disturb the command.
    }
  }

  private static Optional<String> copyProgress(VmBackupClient client, WorkflowExecution execution) {
    var workflowClient = client.workflowClient();
    var description = workflowClient.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
        DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(workflowClient.getOptions().getNamespace())
            .setExecution(execution)
            .build());
    for (PendingActivityInfo activity : description.getPendingActivitiesList()) {
      if (!activity.hasHeartbeatDetails()) {
        continue;
      }
      // The client's converter: with a payload key, the worker encrypted the details.
      CopyProgress progress = workflowClient.getOptions().getDataConverter().fromPayloads(
          0, Optional.of(activity.getHeartbeatDetails()), CopyProgress.class, CopyProgress.class);
      if (progress != null && progress.bytesTotal() > 0) {
        long percent = progress.bytesDone() * 100 / progress.bytesTotal();
        return Optional.of(percent + "% (" + Output.bytes(progress.bytesDone()) + " of "
            + Output.bytes(progress.bytesTotal()) + ")");
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
      out.print("\r" + " ".repeat(lastWidth) + "\r");
      out.flush();
    }
  }
}
