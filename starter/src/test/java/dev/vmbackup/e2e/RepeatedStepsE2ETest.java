package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.RestoreWorkflow;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.RestoreResult;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every step is idempotent: with {@code VMBACKUP_FAULT_REPEAT=all} the first attempt of every host step
 * fails right after it acted, as if the worker had died before reporting, so every step of these
 * backups and this restore runs twice. Each still ends complete and verified with every invariant
 * holding, and the workflow histories show every step retried.
 */
class RepeatedStepsE2ETest extends EndToEndTest {

  @BeforeAll
  static void everyFirstAttemptLosesItsCompletion() {
    worker.close();
    worker = newWorker(Map.of("VMBACKUP_FAULT_REPEAT", "all")).start(client, TaskQueues.host(host));
  }

  @Test
  void aFullBackupWithMemoryAndItsRestoreCompleteWithEveryStepRunTwice() throws Exception {
    try (TestGuest guest = TestGuest.builder("twicefull").disk(Disk.qcow2("vda").withBallast(16)).churnKiB(64)
        .create()) {
      CliResult run = cli("backup", guest.name(), "--capture", "memory", "--json");
      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      assertThat(result.verified()).isTrue();
      assertEveryStepRanTwice(BackupWorkflow.workflowId(host, guest.name()));
      DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(repository);

      String copy = guest.name() + "-copy";
      Path target = guest.dir().resolveSibling(copy);
      try {
        CliResult restore = cli("restore", guest.name(), result.backupId(), "--as", copy,
            "--target-dir", target.toString(), "--json");
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        RestoreResult restored = restore.json(RestoreResult.class);
        assertThat(restored.running()).isTrue();
        assertThat(Commands.virsh("domstate", copy).strip()).isEqualTo("running");
        assertEveryStepRanTwice(RestoreWorkflow.workflowId(host, copy));
        Invariants.assertVmClean(guest, "running");
      } finally {
        Commands.tryVirsh("destroy", copy);
        Commands.tryVirsh("undefine", copy, "--nvram");
        TestHost.deleteRecursively(target);
      }
    }
  }

  @Test
  void incrementalAndChainBackupsCompleteWithEveryStepRunTwice() throws Exception {
    try (TestGuest plain = TestGuest.builder("twiceinc").disk(Disk.qcow2("vda").withBallast(16)).churnKiB(64)
            .create();
        TestGuest chained = TestGuest.builder("twicechain").disk(Disk.qcow2("vda").withBallast(16)).churnKiB(64)
            .create()) {
      for (int point = 1; point <= 2; point++) {
        CliResult incremental = cli("backup", plain.name(), "--strategy", "incremental", "--capture", "quiesce",
            "--json");
        assertThat(incremental.exitCode()).as(incremental.toString()).isZero();
        assertThat(incremental.json(BackupResult.class).verified()).isTrue();
        assertEveryStepRanTwice(BackupWorkflow.workflowId(host, plain.name()));
        Invariants.assertVmClean(plain, "running");

        CliResult chain = cli("backup", chained.name(), "--strategy", "chain", "--json");
        assertThat(chain.exitCode()).as(chain.toString()).isZero();
        BackupResult chainResult = chain.json(BackupResult.class);
        assertThat(chainResult.verified()).isTrue();
        assertEveryStepRanTwice(BackupWorkflow.workflowId(host, chained.name()));
        String top = Invariants.chainOverlay(chained, "vda", chainResult.backupId());
        Invariants.assertVmOnChain(chained, "running", "vda", Invariants.backingChain(top));
        assertThat(Invariants.backingChain(top)).hasSize(point + 1);
        Invariants.assertNoPartialBackups(repository);
      }
      // The second incremental backup copied only what changed since the first: it built on it.
      String list = cli("list", plain.name(), "--json").stdout();
      assertThat(list).contains("\"parentBackupId\"");
    }
  }

  /** Every host step of the workflow's latest run completed on its second attempt or later. */
  private static void assertEveryStepRanTwice(String workflowId) {
    Map<String, Integer> attempts = new HashMap<>();
    Workflows.activityStarts(client, workflowId).forEach((type, starts) -> starts.forEach(
        started -> attempts.merge(type, started.getAttempt(), Math::min)));
    assertThat(attempts).as("steps of %s", workflowId).isNotEmpty();
    assertThat(attempts).as("the first attempt of every step of %s (type to lowest completing attempt)", workflowId)
        .allSatisfy((type, attempt) -> assertThat(attempt).as(type).isGreaterThanOrEqualTo(2));
    System.out.println(workflowId + ": every step ran twice: " + List.copyOf(attempts.keySet()));
  }
}
