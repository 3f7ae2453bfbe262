package dev.vmbackup.bench;

import dev.vmbackup.workflows.PlanWorkflow;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.PlanResult;
import dev.vmbackup.workflows.model.PolicySchedule;
import dev.vmbackup.workflows.model.Strategy;
import io.temporal.client.WorkflowOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Several VMs on one host backed up by one policy run with a per-host limit of 2: the run's total time
 * against the sum of the same VMs backed up one at a time.
 */
final class Scale {
  private Scale() {}

  static void run(Report report, Config config, BenchTemporal temporal) throws Exception {
    int[] counts = config.quick() ? new int[] {1} : new int[] {1, 2, 4, 8};
    int ballast = config.quick() ? 8 : 64;
    report.table("Scale on one host",
        "A policy run (plan workflow) over N running 128 MiB guests with " + ballast + " MiB of data each, at most 2"
            + " backups at once; against the same backups run one after the other. Seconds.",
        "VMs", "Policy run", "Sum of single backups", "Ratio");
    for (int count : counts) {
      List<BenchHost.Guest> guests = new ArrayList<>();
      try {
        for (int i = 0; i < count; i++) {
          guests.add(new BenchHost.Guest("scale", 128, ballast, 0));
        }
        double sequential = 0;
        for (BenchHost.Guest guest : guests) {
          sequential += CopyThroughput.seconds(() -> temporal.vmbackup.backup(new BackupRequest(guest.name,
              BenchTemporal.HOST, CaptureMode.CRASH, temporal.repository.toString(), Strategy.FULL)));
        }
        BackupPolicy policy = new BackupPolicy("bench" + count, guests.stream().map(g -> g.name).toList(), null,
            BenchTemporal.HOST, Strategy.FULL, CaptureMode.CRASH, temporal.repository.toString(),
            new PolicySchedule(null, "1h", null, null), null, 2, null, null);
        PlanWorkflow plan = temporal.client.newWorkflowStub(PlanWorkflow.class, WorkflowOptions.newBuilder()
            .setTaskQueue(TaskQueues.WORKFLOWS).setWorkflowId("bench-plan-" + count + "-" + System.nanoTime()).build());
        PlanResult[] result = new PlanResult[1];
        double together = CopyThroughput.seconds(() -> result[0] = plan.run(policy));
        if (!result[0].allSucceeded()) {
          throw new IllegalStateException("a backup of the policy run failed: " + result[0]);
        }
        Samples run = new Samples();
        run.add(together);
        Samples single = new Samples();
        single.add(sequential);
        String ratio = String.format(Locale.ROOT, "%.2f", together / sequential);
        report.row(Integer.toString(count), String.format(Locale.ROOT, "%.1f", together),
            String.format(Locale.ROOT, "%.1f", sequential), ratio);
        report.csv("scale", count + " VMs", "policy_seconds", run, ratio);
        report.csv("scale", count + " VMs", "sequential_seconds", single, null);
      } finally {
        guests.forEach(BenchHost.Guest::close);
      }
    }
    report.endTable();
  }
}
