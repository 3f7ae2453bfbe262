package dev.vmbackup.e2e;

import static dev.vmbackup.e2e.Invariants.chainOverlay;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.GuestRecord;
import dev.vmbackup.testing.RestartsLibvirtd;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Chain backups whose worker is killed with SIGKILL mid-copy, mid-snapshot and mid-consolidation, and
 * whose libvirtd restarts mid-consolidation. Copies and block jobs are bandwidth-limited so that there
 * is a "during". After the restart the backup completes, the
 * VM runs on a whole chain, and the repository holds only complete backups whose chain is whole.
 */
@RestartsLibvirtd
@WorkerOptions({"--copy-bandwidth", "8", "--merge-bandwidth", "2"})
class ChainInterruptedE2ETest extends EndToEndTest {
  @Test
  void workerKilledDuringAChainCopyResumesItAndTheChainStaysConsistent() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainkillcopy").disk(Disk.qcow2("vda").withBallast(96)).churnKiB(64)
        .create()) {
      String image = guest.diskPath("vda").toString();
      Process backup = startCli("backup", guest.name(), "--strategy", "chain", "--json");
      String workflowId = BackupWorkflow.workflowId(host, guest.name());
      Awaits.until("the copy has made progress", () ->
          Workflows.progress(client, workflowId, "CopyToRepository").map(p -> p.bytesDone() > 0).orElse(false));

      worker.kill();
      // Mid-backup: the VM writes to its new overlay; the repository has nothing but a partial directory.
      assertThat(Invariants.blockList(guest.name(), false).get("vda")).contains(".vmbackup-chain-");
      assertThat(publishedBackups(guest)).isEmpty();
      restartWorker();

      CliResult run = finish(backup);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult first = run.json(BackupResult.class);
      assertThat(first.parentBackupId()).isNull();
      Invariants.assertVmOnChain(guest, "running", "vda", List.of(chainOverlay(guest, "vda", first.backupId()), image));
      Invariants.assertNoPartialBackups(repository);

      assertTheChainGoesOnFrom(guest, first);
    }
  }

  @Test
  void workerKilledInsideTheSnapshotCallLeavesTheVmOnTheNewOverlayAndTheChainGoesOn() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainkillsnap").disk(Disk.qcow2("vda").withBallast(16)).churnKiB(64)
        .create()) {
      String image = guest.diskPath("vda").toString();
      Process backup = startCli("backup", guest.name(), "--strategy", "chain", "--capture", "memory", "--json");

      SnapshotInterruption.killWorkerInsideTheMemorySnapshot(worker, repository, guest);
      assertThat(Invariants.blockList(guest.name(), false).get("vda")).isEqualTo(image);
      restartWorker();

      CliResult run = finish(backup);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult first = run.json(BackupResult.class);
      assertThat(first.capture()).isEqualTo(CaptureMode.MEMORY);
      assertThat(first.warnings()).anyMatch(w -> w.contains("did not report back"));
      Invariants.assertVmOnChain(guest, "running", "vda", List.of(chainOverlay(guest, "vda", first.backupId()), image));
      Invariants.assertNoPartialBackups(repository);
      assertTheChainGoesOnFrom(guest, first);
    }
  }

  @Test
  void workerKilledDuringConsolidationFinishesItAfterRestartAndTheVmKeepsRunning() throws Exception {
    consolidationInterruptedBy("chainkillcons", guest -> {
      worker.kill();
      // The VM runs on a valid chain whatever the commit's progress; QEMU goes on with it alone.
      assertThat(guest.state()).isEqualTo("running");
      restartWorker();
    });
  }

  @Test
  void libvirtdRestartedDuringConsolidationDoesNotStopItAndTheVmKeepsRunning() throws Exception {
    consolidationInterruptedBy("chainlibvirtd", guest -> Libvirtd.restart());
  }

  /**
   * A third chain backup whose consolidation (a bandwidth-limited block commit) is interrupted while the
   * commit runs: it finishes, the VM keeps running on its chain, the data is intact.
   */
  private void consolidationInterruptedBy(String prefix, Consumer<TestGuest> interruption) throws Exception {
    try (TestGuest guest = TestGuest.builder(prefix).disk(Disk.qcow2("vda").withBallast(16)).churnKiB(512)
        .create()) {
      String image = guest.diskPath("vda").toString();
      CliResult one = cli("backup", guest.name(), "--strategy", "chain", "--max-chain-length", "2", "--json");
      assertThat(one.exitCode()).as(one.toString()).isZero();
      // The layer the third backup commits holds what the guest writes now: enough for a slow commit.
      guest.console().waitForNewRecords(40, Duration.ofSeconds(180));
      CliResult two = cli("backup", guest.name(), "--strategy", "chain", "--max-chain-length", "2", "--json");
      assertThat(two.exitCode()).as(two.toString()).isZero();
      String oldest = chainOverlay(guest, "vda", one.json(BackupResult.class).backupId());
      String middle = chainOverlay(guest, "vda", two.json(BackupResult.class).backupId());
      System.out.printf("layer to consolidate: %d bytes%n", Files.size(Path.of(oldest)));
      GuestRecord before = guest.console().last().orElseThrow();

      Process backup = startCli("backup", guest.name(), "--strategy", "chain", "--max-chain-length", "2", "--json");
      String workflowId = BackupWorkflow.workflowId(host, guest.name());
      Awaits.until("the consolidation runs", () -> "consolidate".equals(Workflows.step(client, workflowId)));
      Awaits.until("the block commit runs", Duration.ofSeconds(30),
          () -> ChainFixturesE2E.hasBlockJob(guest, "vda"));

      interruption.accept(guest);

      CliResult run = finish(backup);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult third = run.json(BackupResult.class);
      assertThat(third.parentBackupId()).isEqualTo(two.json(BackupResult.class).backupId());
      Invariants.assertVmOnChain(guest, "running", "vda",
          List.of(chainOverlay(guest, "vda", third.backupId()), middle, image));
      assertThat(Files.exists(Path.of(oldest))).isFalse();
      assertThat(guest.console().waitForNewRecords(3, Duration.ofSeconds(60)).boot()).isEqualTo(before.boot());
      DiskContent point = DiskContent.read(ChainE2ETest.restore(guest, third, "p3", false), "qcow2").assertIntact();
      assertThat(point.last().sequence()).isGreaterThanOrEqualTo(before.sequence());
    }
  }

  private static List<Path> publishedBackups(TestGuest guest) throws java.io.IOException {
    Path dir = repository.resolve(guest.name());
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(entry -> !entry.getFileName().toString().endsWith(".partial")).toList();
    }
  }

  private static CliResult finish(Process backup) throws InterruptedException {
    assertThat(backup.waitFor(10, TimeUnit.MINUTES)).as("the backup command finishes").isTrue();
    return result(backup);
  }

  /** Block jobs, seen with virsh. */
  static final class ChainFixturesE2E {
    static boolean hasBlockJob(TestGuest guest, String target) {
      return !Commands.virsh("blockjob", guest.name(), target, "--info").toLowerCase()
          .contains("no current block job");
    }
  }

  /** The next chain backup builds on the interrupted one, verifies and restores to an intact disk. */
  private static void assertTheChainGoesOnFrom(TestGuest guest, BackupResult interrupted) {
    guest.console().waitForNewRecords(5, Duration.ofSeconds(60));
    CliResult next = cli("backup", guest.name(), "--strategy", "chain", "--json");
    assertThat(next.exitCode()).as(next.toString()).isZero();
    BackupResult second = next.json(BackupResult.class);
    assertThat(second.parentBackupId()).isEqualTo(interrupted.backupId());
    assertThat(cli("verify", guest.name(), second.backupId()).exitCode()).isZero();
    DiskContent.read(ChainE2ETest.restore(guest, second, "p2", false), "qcow2").assertIntact();
  }
}
