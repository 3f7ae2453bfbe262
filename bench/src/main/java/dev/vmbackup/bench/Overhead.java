package dev.vmbackup.bench;

import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Strategy;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What orchestration costs: the end-to-end time of one backup workflow on the local Temporal server,
 * minus the time its activities spent on the host; and, as a ratio, against a plain script doing the
 * same libvirt and file operations directly (snapshot, copy, checksum, blockcommit with pivot, check).
 */
final class Overhead {
  private Overhead() {}

  static void run(Report report, Config config, BenchTemporal temporal) throws Exception {
    int ballast = config.quick() ? 16 : 256;
    Samples endToEnd = new Samples();
    Samples hostWork = new Samples();
    Samples overhead = new Samples();
    Samples script = new Samples();
    try (BenchHost.Guest guest = new BenchHost.Guest("overhead", 128, ballast, 0)) {
      for (int run = 0; run < config.runs(); run++) {
        long start = System.nanoTime();
        BackupResult result = temporal.vmbackup.backup(new BackupRequest(guest.name, BenchTemporal.HOST,
            CaptureMode.CRASH, temporal.repository.toString(), Strategy.FULL));
        double total = (System.nanoTime() - start) / 1e9;
        double activities = activitySeconds(temporal.client.fetchHistory(
            BackupWorkflow.workflowId(BenchTemporal.HOST, guest.name)));
        endToEnd.add(total);
        hostWork.add(activities);
        overhead.add(total - activities);
        BenchHost.delete(Path.of(result.path()));
        script.add(CopyThroughput.seconds(() -> plainScript(guest)));
      }
    }
    String ratio = String.format(Locale.ROOT, "%.2f", endToEnd.median() / script.median());
    report.table("Orchestration overhead",
        "One full backup (crash capture) of a running 128 MiB guest with " + ballast + " MiB of data, " + config.runs()
            + " runs, seconds. Host operations: the activities' own durations from the workflow history.",
        "Measure", "Seconds");
    report.row("workflow end to end (start to verified result)", endToEnd.format(2));
    report.row("of which host operations (activities)", hostWork.format(2));
    report.row("orchestration overhead (end to end minus host operations)", overhead.format(2));
    report.row("plain script: virsh snapshot, cp, sha256sum, blockcommit --pivot, qemu-img check", script.format(2));
    report.row("ratio workflow / plain script", ratio);
    report.endTable();
    report.csv("overhead", "workflow", "seconds", endToEnd, ratio);
    report.csv("overhead", "activities", "seconds", hostWork, null);
    report.csv("overhead", "overhead", "seconds", overhead, null);
    report.csv("overhead", "script", "seconds", script, null);
  }

  /** Sum of (completed - started) of every activity of the run. */
  static double activitySeconds(WorkflowExecutionHistory history) {
    Map<Long, Long> started = new HashMap<>();
    double seconds = 0;
    for (HistoryEvent event : history.getEvents()) {
      if (event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
        started.put(event.getEventId(), millis(event));
      } else if (event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        Long begin = started.get(event.getActivityTaskCompletedEventAttributes().getStartedEventId());
        if (begin != null) {
          seconds += (millis(event) - begin) / 1000.0;
        }
      }
    }
    return seconds;
  }

  private static long millis(HistoryEvent event) {
    return event.getEventTime().getSeconds() * 1000 + event.getEventTime().getNanos() / 1_000_000;
  }

  private static void plainScript(BenchHost.Guest guest) throws java.io.IOException {
    Path overlay = guest.dir.resolve("vda.script.qcow2");
    Path copy = guest.dir.resolve("script-copy.qcow2");
    BenchHost.virsh("snapshot-create-as", guest.name, "--disk-only", "--atomic", "--no-metadata",
        "--diskspec", "vda,file=" + overlay);
    BenchHost.ok("cp", "--sparse=always", guest.image().toString(), copy.toString());
    BenchHost.ok("sha256sum", copy.toString());
    BenchHost.virsh("blockcommit", guest.name, "vda", "--active", "--shallow", "--pivot", "--wait");
    Files.deleteIfExists(overlay);
    BenchHost.ok("qemu-img", "check", copy.toString());
    Files.deleteIfExists(copy);
  }
}
