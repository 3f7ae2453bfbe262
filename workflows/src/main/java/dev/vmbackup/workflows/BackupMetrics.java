package dev.vmbackup.workflows;

import com.uber.m3.tally.Scope;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.Map;

/**
 * Backup metrics, emitted through the workflow's metrics scope: the SDK drops them during replay, so
 * each backup counts once, and they reach the worker's Prometheus endpoint with the SDK's own metrics.
 */
final class BackupMetrics {
  private BackupMetrics() {}

  /**
   * How long a backup held the VM.
   *
   * @param stoppedMillis a saved-state capture's stop, or null
   * @param snapshotMillis the snapshot call's duration, an upper bound of the freeze or pause, or null
   */
  record Stall(Long stoppedMillis, Long snapshotMillis) {}

  static void succeeded(BackupResult result, long durationMillis, Stall stall) {
    Scope scope = Workflow.getMetricsScope().tagged(Map.of(
        "domain", result.domain(), "strategy", result.strategy().wireName(), "capture", result.capture().wireName()));
    scope.counter("vmbackup_backups_succeeded").inc(1);
    scope.counter("vmbackup_bytes_copied").inc(result.bytesCopied());
    scope.timer("vmbackup_backup_duration").record(com.uber.m3.util.Duration.ofMillis(durationMillis));
    scope.gauge("vmbackup_last_success_timestamp_seconds").update(Workflow.currentTimeMillis() / 1000.0);
    if (stall != null && stall.stoppedMillis() != null) {
      scope.gauge("vmbackup_vm_stopped_seconds").update(stall.stoppedMillis() / 1000.0);
    }
    if (stall != null && stall.snapshotMillis() != null) {
      scope.gauge("vmbackup_snapshot_hold_seconds").update(stall.snapshotMillis() / 1000.0);
    }
  }

  static void failed(BackupRequest request, RuntimeException failure) {
    Workflow.getMetricsScope()
        .tagged(Map.of("domain", String.valueOf(request.domain()), "type", type(failure)))
        .counter("vmbackup_backups_failed").inc(1);
  }

  /**
   * The failure's type as the activity boundary classified it: the outermost application failure whose
   * type is one of vmbackup's {@link FailureType}s. Below it lies the Java exception it was classified
   * from, which Temporal also carries as an application failure, typed with its class name.
   */
  static String type(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ApplicationFailure application && FailureType.isName(application.getType())) {
        return application.getType();
      }
    }
    return failure.getClass().getSimpleName();
  }

}
