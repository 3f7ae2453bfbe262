package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.BackupResult;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.history.v1.ActivityTaskStartedEventAttributes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A worker that dies or freezes inside a step that is over in milliseconds (planning an incremental
 * backup, inspecting the domain) is noticed by its missing heartbeats and the step is retried, instead
 * of the backup stalling for the step's start-to-close timeout. The fault-injection setting
 * {@code VMBACKUP_FAULT_DELAY} holds the step open so the fault lands inside it; the worker that takes
 * over runs without it.
 */
class ShortStepFaultsE2ETest extends EndToEndTest {

  @Test
  void workerKilledInsideThePlanningOfAnIncrementalIsNoticedByItsHeartbeatsAndTheBackupCompletes()
      throws Exception {
    try (TestGuest guest = TestGuest.builder("killplan").disk(Disk.qcow2("vda").withBallast(16)).create()) {
      replaceWorker(Map.of("VMBACKUP_FAULT_DELAY", "PlanIncrementalBackup=900"));
      Process backup = startCli("backup", guest.name(), "--strategy", "incremental", "--json");
      String workflowId = BackupWorkflow.workflowId(host, guest.name());
      Awaits.until("the worker plans the backup", () ->
          Workflows.activityStarted(client, workflowId, "PlanIncrementalBackup"));

      worker.kill();
      restartWorker();

      CliResult run = finish(backup);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      assertThat(result.verified()).isTrue();
      assertRetriedAfterAHeartbeatTimeout(workflowId, "PlanIncrementalBackup");
      DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(repository);
    }
  }

  @Test
  void workerFrozenInsideTheInspectionIsNoticedAndAnotherWorkerOfTheHostFinishesTheBackup() throws Exception {
    try (TestGuest guest = TestGuest.builder("stopinspect").disk(Disk.qcow2("vda").withBallast(16)).create()) {
      replaceWorker(Map.of("VMBACKUP_FAULT_DELAY", "InspectDomain=900"));
      WorkerProcess frozen = worker;
      Process backup = startCli("backup", guest.name(), "--json");
      String workflowId = BackupWorkflow.workflowId(host, guest.name());
      Awaits.until("the worker inspects the domain", () ->
          Workflows.activityStarted(client, workflowId, "InspectDomain"));

      // SIGSTOP: the process neither dies nor answers; its connections stay open.
      frozen.suspend();
      // The frozen worker still holds the class's HTTP port.
      worker = newWorker(Map.of(), DevServer.freePort()).start(client, TaskQueues.host(host));
      try {
        CliResult run = finish(backup);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.json(BackupResult.class).verified()).isTrue();
        ActivityTaskStartedEventAttributes last = assertRetriedAfterAHeartbeatTimeout(workflowId, "InspectDomain");
        // The backup finished while the frozen worker was still frozen: the other worker ran the step.
        assertThat(frozen.alive()).isTrue();
        assertThat(last.getIdentity()).startsWith(worker.pid() + "@");
      } finally {
        frozen.kill();
      }
      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(repository);
    }
  }

  /**
   * The step's last attempt followed a heartbeat timeout: the server noticed the missing worker by its
   * heartbeats, not by the step's start-to-close timeout (which would show as a different timeout type).
   */
  private static ActivityTaskStartedEventAttributes assertRetriedAfterAHeartbeatTimeout(
      String workflowId, String activityType) {
    List<ActivityTaskStartedEventAttributes> starts = Workflows.activityStarts(client, workflowId, activityType);
    assertThat(starts).as("%s ran", activityType).isNotEmpty();
    ActivityTaskStartedEventAttributes last = starts.get(starts.size() - 1);
    assertThat(last.getAttempt()).as("attempt of the %s that completed", activityType).isGreaterThan(1);
    assertThat(last.getLastFailure().getTimeoutFailureInfo().getTimeoutType())
        .as("why the attempt before failed: %s", last.getLastFailure())
        .isEqualTo(TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
    return last;
  }

  private static void replaceWorker(Map<String, String> environment) {
    worker.close();
    worker = newWorker(environment).start(client, TaskQueues.host(host));
  }

  private static CliResult finish(Process backup) throws InterruptedException {
    assertThat(backup.waitFor(10, TimeUnit.MINUTES)).as("the backup command finishes").isTrue();
    return result(backup);
  }
}
