package dev.vmbackup.e2e;

import static dev.vmbackup.e2e.Invariants.chainOverlay;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.GuestRecord;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.RestoreResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Capture saved-state through the real CLI, worker, Temporal and libvirt: the VM is stopped for a
 * measured moment and resumes where it was (same boot, the counter goes on), the backup holds the image
 * and the saved state (which an in-place memory restore resumes), and on a chain it works the same way.
 */
class SavedStateE2ETest extends EndToEndTest {
  @Test
  void theVmIsStoppedBrieflyResumesWhereItWasAndTheBackupHoldsItsImageAndState() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainsave").disk(Disk.qcow2("vda").withBallast(32)).churnKiB(64)
        .create()) {
      GuestRecord before = guest.console().last().orElseThrow();

      CliResult run = cli("backup", guest.name(), "--capture", "saved-state", "--json");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      assertThat(result.capture()).isEqualTo(CaptureMode.SAVED_STATE);
      Manifest manifest = ChainE2ETest.manifest(result);
      System.out.printf("saved-state (strategy full, 128 MiB guest, TCG): stopped %d ms%n", manifest.stoppedMillis());
      assertThat(manifest.stoppedMillis()).isPositive().isEqualTo(result.stoppedMillis());
      assertThat(manifest.memoryState()).isNotNull();
      assertThat(Path.of(result.path(), manifest.memoryState().file())).exists();
      assertThat(result.bytesCopied()).as("the frozen image was moved in, not copied").isLessThan(1 << 20);

      // The VM runs on its own image again, as it was, and resumed rather than booted again.
      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(repository);
      GuestRecord after = guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
      assertThat(after.boot()).isEqualTo(before.boot());

      DiskContent frozen = DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      assertThat(frozen.last().boot()).isEqualTo(before.boot());
      assertThat(frozen.last().sequence()).isBetween(before.sequence(), after.sequence());
      assertThat(cli("verify", guest.name(), result.backupId()).exitCode()).isZero();

      // The saved state is usable: an in-place memory restore resumes the guest at the backup's point.
      CliResult restore = cli("restore", guest.name(), result.backupId(), "--memory", "--json");
      assertThat(restore.exitCode()).as(restore.toString()).isZero();
      RestoreResult restored = restore.json(RestoreResult.class);
      assertThat(guest.state()).isEqualTo("running");
      GuestRecord resumed = guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
      assertThat(resumed.boot()).isEqualTo(before.boot());
      restored.keptAside().forEach(file -> Path.of(file).toFile().delete());
    }
  }

  @Test
  void onAChainTheVmIsRestoredOntoEachNewOverlay() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainsavechain").churnKiB(64).create()) {
      String image = guest.diskPath("vda").toString();
      GuestRecord before = guest.console().last().orElseThrow();
      CliResult first = cli("backup", guest.name(), "--strategy", "chain", "--capture", "saved-state", "--json");
      assertThat(first.exitCode()).as(first.toString()).isZero();
      guest.console().waitForNewRecords(5, Duration.ofSeconds(60));
      CliResult second = cli("backup", guest.name(), "--strategy", "chain", "--capture", "saved-state", "--json");
      assertThat(second.exitCode()).as(second.toString()).isZero();

      BackupResult one = first.json(BackupResult.class);
      BackupResult two = second.json(BackupResult.class);
      assertThat(two.parentBackupId()).isEqualTo(one.backupId());
      assertThat(List.of(one, two)).allSatisfy(result -> {
        assertThat(result.capture()).isEqualTo(CaptureMode.SAVED_STATE);
        assertThat(result.stoppedMillis()).isPositive();
      });
      System.out.printf("saved-state (strategy chain): stopped %d ms and %d ms%n", one.stoppedMillis(),
          two.stoppedMillis());
      assertThat(ChainE2ETest.manifest(two).memoryState()).as("each point keeps its own state").isNotNull();
      Invariants.assertVmOnChain(guest, "running", "vda", List.of(chainOverlay(guest, "vda", two.backupId()),
          chainOverlay(guest, "vda", one.backupId()), image));
      assertThat(guest.console().waitForNewRecords(3, Duration.ofSeconds(60)).boot()).isEqualTo(before.boot());

      DiskContent point = DiskContent.read(ChainE2ETest.restore(guest, two, "p2", false), "qcow2").assertIntact();
      assertThat(point.last().sequence()).isGreaterThan(before.sequence());
      Commands.virsh("destroy", guest.name());
      assertThat(Files.exists(Path.of(chainOverlay(guest, "vda", two.backupId())))).isTrue();
    }
  }
}
