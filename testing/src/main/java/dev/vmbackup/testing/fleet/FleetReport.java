package dev.vmbackup.testing.fleet;

import dev.vmbackup.workflows.model.FleetPlanResult;
import dev.vmbackup.workflows.model.PlanResult.VmOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one simulated fleet run showed: its outcome, wall time against the ideal, history sizes,
 * schedule-to-start latency of host activities, and the most backups in flight at once.
 *
 * @param wallMillis from starting the fleet run to its result, as the client saw it
 * @param idealMillis the host work alone at the limits: the slowest host's backups, one after another in
 *     each of its {@code maxConcurrentPerHost} slots (or the fleet's, in its {@code maxConcurrent} slots,
 *     if that is longer), each taking {@link SimulatedDurations#perBackup()}
 * @param vmStatuses the status of every VM in the result, in result order
 * @param failures the VMs (and hosts) that did not end "ok", with their reasons
 * @param largestEvents the most events of any history read
 * @param meanDurations mean time from first to last event of the histories read, by workflow type
 * @param meanPruneTailMillis mean time a host's plan with retention spent after its last backup ended
 * @param backupTimeSplit fractions of the BackupWorkflows' time: host activities running, waiting for a
 *     worker, everything else
 * @param scheduleToStart sorted latencies of host activities in the histories read, milliseconds
 * @param workflowTaskWaits sorted times workflow tasks waited for the workflow worker, milliseconds
 * @param workflowTaskRuns sorted times the workflow worker took for a workflow task, milliseconds
 */
public record FleetReport(
    FleetSimulation.Options options,
    long wallMillis,
    long idealMillis,
    List<String> vmStatuses,
    List<String> failures,
    Map<String, HistoryStats.Size> largestHistories,
    Map<String, Integer> historiesRead,
    int largestEvents,
    Map<String, Long> meanDurations,
    long meanPruneTailMillis,
    double[] backupTimeSplit,
    List<Long> scheduleToStart,
    List<Long> workflowTaskWaits,
    List<Long> workflowTaskRuns,
    int maxPerHost,
    int maxFleet,
    int completedBackups,
    int leftInFlight,
    long hostSpanMillis) {

  static FleetReport of(FleetSimulation.Options options, FleetPlanResult result, long wallMillis,
      HistoryStats histories, ConcurrencyRecorder recorder) {
    List<String> statuses = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (FleetPlanResult.HostOutcome host : result.hosts()) {
      if (host.plan() == null) {
        failures.add(host.host() + ": " + host.status() + " (" + host.reason() + ")");
        continue;
      }
      for (VmOutcome vm : host.plan().outcomes()) {
        statuses.add(vm.status());
        if (!vm.status().equals("ok") || vm.error() != null) {
          failures.add(host.host() + "/" + vm.domain() + ": " + vm.status() + " (" + vm.error() + ")");
        }
      }
    }
    return new FleetReport(options, wallMillis, ideal(options), statuses, failures, histories.largestByType(),
        histories.countByType(), histories.largestEvents(), histories.meanDurations(),
        histories.meanPruneTailMillis(), histories.backupTimeSplit(), histories.scheduleToStartMillis(),
        histories.workflowTaskWaits(), histories.workflowTaskRuns(),
        recorder.maxPerHost(), recorder.maxFleet(), recorder.completed(), recorder.inFlight(),
        recorder.hostSpanMillis());
  }

  private static long ideal(FleetSimulation.Options options) {
    long perBackup = options.durations().perBackup().toMillis();
    long perHost = ceilDiv(options.vmsPerHost(), options.maxConcurrentPerHost()) * perBackup;
    if (options.maxConcurrent() == null) {
      return perHost;
    }
    long fleet = ceilDiv((long) options.hosts() * options.vmsPerHost(), options.maxConcurrent()) * perBackup;
    return Math.max(perHost, fleet);
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /** Wall time over ideal. */
  public double ratio() {
    return (double) wallMillis / idealMillis;
  }

  /** The given percentile (0–100) of the schedule-to-start latencies, nearest rank; -1 when there are none. */
  public long scheduleToStartPercentile(double percentile) {
    return percentile(scheduleToStart, percentile);
  }

  private static long percentile(List<Long> sorted, double percentile) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int rank = (int) Math.ceil(percentile / 100 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  /** The report as a Markdown section, for bench/results and for a test's log. */
  public String toMarkdown() {
    SimulatedDurations d = options.durations();
    StringBuilder md = new StringBuilder();
    md.append(String.format("- Fleet: %d hosts × %d VMs = %d VMs; maxConcurrentPerHost %d, maxConcurrent %s, "
            + "startSpreadSeconds %d, retention %s%n", options.hosts(), options.vmsPerHost(),
        options.hosts() * options.vmsPerHost(), options.maxConcurrentPerHost(), options.maxConcurrent(),
        options.startSpreadSeconds(), options.retention() ? "keepLast 3 (a prune child per VM)" : "none"));
    md.append(String.format("- Simulated host work per backup: %d ms (snapshot %d, copy %d (%d MiB logical at %d MiB/s, "
            + "through the real copier), commit %d, check %d)%n", d.perBackup().toMillis(), d.snapshot().toMillis(),
        d.copy().toMillis(), d.diskBytes() >> 20, d.copyBytesPerSecond() >> 20, d.commit().toMillis(),
        d.check().toMillis()));
    long ok = vmStatuses.stream().filter("ok"::equals).count();
    md.append(String.format("- Outcome: %d of %d VMs ok; %d backups went from snapshot to check, %d left in flight%n",
        ok, options.hosts() * options.vmsPerHost(), completedBackups, leftInFlight));
    failures.stream().limit(10).forEach(failure -> md.append("  - ").append(failure).append('\n'));
    md.append(String.format("- **Wall time %.1f s against ideal %.1f s: %.2f×** (first snapshot to last check: %.1f s)%n",
        wallMillis / 1000.0, idealMillis / 1000.0, ratio(), hostSpanMillis / 1000.0));
    md.append("- Largest histories (events, bytes), of the histories read:\n");
    largestHistories.forEach((type, size) -> md.append(String.format("  - %s: %d events, %d bytes (%s; %d read)%n",
        type, size.events(), size.bytes(), size.workflowId(), historiesRead.get(type))));
    md.append(String.format("- Mean duration of a BackupWorkflow %d ms (its host work %d ms), of a PlanWorkflow %d ms, "
            + "of which %d ms after its last backup ended (the prunes still running, then the plan's end)%n",
        meanDurations.getOrDefault("BackupWorkflow", 0L), d.perBackup().toMillis(),
        meanDurations.getOrDefault("PlanWorkflow", 0L), meanPruneTailMillis));
    md.append(String.format("- A BackupWorkflow's time: %.0f %% host activities running (host work, polling, file"
            + " I/O), %.0f %% host activities waiting for a worker, %.0f %% between steps (workflow tasks, local"
            + " activities, the server)%n", 100 * backupTimeSplit[0], 100 * backupTimeSplit[1], 100 * backupTimeSplit[2]));
    md.append(String.format("- Schedule-to-start of host activities (%d activities): p50 %d ms, p99 %d ms, max %d ms%n",
        scheduleToStart.size(), scheduleToStartPercentile(50), scheduleToStartPercentile(99),
        scheduleToStartPercentile(100)));
    md.append(String.format("- Workflow tasks (%d): waiting for the workflow worker p50 %d ms, p99 %d ms; run by it"
            + " p50 %d ms, p99 %d ms%n", workflowTaskWaits.size(), percentile(workflowTaskWaits, 50),
        percentile(workflowTaskWaits, 99), percentile(workflowTaskRuns, 50), percentile(workflowTaskRuns, 99)));
    md.append(String.format("- Most backups in flight at once (snapshot to check, recorded by the simulated hosts): "
        + "%d on one host (limit %d), %d fleet-wide (limit %s)%n", maxPerHost, options.maxConcurrentPerHost(),
        maxFleet, options.maxConcurrent()));
    return md.toString();
  }
}
