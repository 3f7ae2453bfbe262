package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.RestartsLibvirtd;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Backups interrupted by what happens on real hosts: the worker killed with SIGKILL, libvirtd
 * restarted, the workflow cancelled. Copies and merges are bandwidth-limited so that there is a
 * "during" to interrupt. Afterwards the backup completes (or is compensated) and every invariant holds.
 */
@RestartsLibvirtd
@WorkerOptions({"--copy-bandwidth", "8", "--merge-bandwidth", "2"})
class InterruptedBackupE2ETest extends EndToEndTest {
  private static final long MIB = 1 << 20;

  @Test
  void workerKilledDuringTheCopyResumesItAfterRestart() throws Exception {
    try (TestGuest guest = TestGuest.builder("killcopy").disk(Disk.qcow2("vda").withBallast(128)).create()) {
      Process backup = startCli("backup", guest.name(), "--json");
      String workflowId = BackupWorkflow.workflowId(host, guest.name());
      Awaits.until("the copy has made progress", () ->
          Workflows.progress(client, workflowId, "CopyToRepository").map(p -> p.bytesDone() > 0).orElse(false));

      worker.kill();
      // Mid-backup state: the VM writes to its overlay while nobody works on the backup.
      assertThat(Invariants.blockList(guest.name(), false).get("vda")).contains(".vmbackup-");
      restartWorker();

      CliResult run = finish(backup);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      // The retry resumed at its last heartbeat instead of copying the whole image again.
      assertThat(result.bytesCopied()).isLessThanOrEqualTo(result.disks().get(0).bytes() - 32 * MIB);
      DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(repository);
    }
  }

  @Test
  void workerKilledInsideTheSnapshotCallLetsLibvirtFinishItAndTheBackupCompletes() throws Exception {
    try (TestGuest guest = TestGuest.builder("killsnap")
        .disk(Disk.qcow2("vda").withBallast(16)).disk(Disk.qcow2("vdb")).churnKiB(64).create()) {
      Process backup = startCli("backup", guest.name(), "--capture", "memory", "--json");

      Path memory = SnapshotInterruption.killWorkerInsideTheMemorySnapshot(worker, repository, guest);
      // Killed inside the call: the disks had not switched to their overlays yet.
      assertThat(Invariants.blockList(guest.name(), false).get("vda")).isEqualTo(guest.diskPath("vda").toString());
      restartWorker();

      CliResult run = finish(backup);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      // The retry waited for libvirtd's snapshot, found the disks switched and the memory saved.
      assertThat(result.capture()).isEqualTo(CaptureMode.MEMORY);
      assertThat(result.warnings()).anyMatch(w -> w.contains("did not report back"));
      assertThat(result.verified()).isTrue();
      assertThat(Path.of(result.path(), memory.getFileName().toString())).isNotEmptyFile();
      DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      DiskContent.read(Path.of(result.path(), "vdb.qcow2"), "qcow2").assertIntact();
      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(repository);
      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
    }
  }

  @Test
  void workerKilledDuringTheMergeReattachesToTheBlockJobAfterRestart() throws Exception {
    try (TestGuest guest = TestGuest.builder("killmerge")
        .disk(Disk.qcow2("vda").withBallast(96)).churnKiB(128).create()) {
      Process backup = startCli("backup", guest.name(), "--json");
      String workflowId = BackupWorkflow.workflowId(host, guest.name());
      Awaits.until("the merge has begun", () -> "merge".equals(Workflows.step(client, workflowId)));
      Awaits.until("the block commit runs", Duration.ofSeconds(30), () -> hasBlockJob(guest));

      worker.kill();
      // The commit goes on inside QEMU without the worker.
      assertThat(hasBlockJob(guest)).isTrue();
      restartWorker();

      CliResult run = finish(backup);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      Invariants.assertVmClean(guest, "running");
      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
    }
  }

  @Test
  void libvirtdRestartedDuringTheCopyAndTheMergeDoesNotStopTheBackup() throws Exception {
    try (TestGuest guest = TestGuest.builder("libvirtd")
        .disk(Disk.qcow2("vda").withBallast(64)).churnKiB(128).create()) {
      Process backup = startCli("backup", guest.name(), "--json");
      String workflowId = BackupWorkflow.workflowId(host, guest.name());
      Awaits.until("the copy runs", () -> "copy".equals(Workflows.step(client, workflowId)));
      Libvirtd.restart();
      Awaits.until("the merge runs", () -> "merge".equals(Workflows.step(client, workflowId)));
      Libvirtd.restart();

      CliResult run = finish(backup);
      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      Invariants.assertVmClean(guest, "running");
    }
  }

  @Test
  void cancellingDuringTheCopyUndoesEverything() throws Exception {
    try (TestGuest guest = TestGuest.builder("cancel").disk(Disk.qcow2("vda").withBallast(128)).create()) {
      Process backup = startCli("backup", guest.name(), "--json");
      String workflowId = BackupWorkflow.workflowId(host, guest.name());
      Awaits.until("the copy has made progress", () ->
          Workflows.progress(client, workflowId, "CopyToRepository").map(p -> p.bytesDone() > 0).orElse(false));

      client.newUntypedWorkflowStub(workflowId).cancel();

      CliResult run = finish(backup);
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.stderr().strip()).contains("cancelled").doesNotContain("\n");
      assertThat(Workflows.status(client, workflowId)).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(repository);
      Path domainDir = repository.resolve(guest.name());
      assertThat(!Files.exists(domainDir) || Files.list(domainDir).findAny().isEmpty())
          .as("nothing of the cancelled backup is left in %s", domainDir).isTrue();
      assertThat(cli("list", guest.name()).stdout()).contains("no backups");
    }
  }

  /**
   * A push-mode backup job copies a block to its target before the guest may overwrite it; when the
   * target's filesystem is full, QEMU fails the guest's own write and pauses the guest. The worker
   * aborts the job and resumes the guest: a full repository fails the backup, never the VM.
   */
  @Test
  void aRepositoryThatFillsUpDuringABackupJobFailsTheBackupAndNeverLeavesTheGuestPaused() throws Exception {
    // Mounted before the guest starts: QEMU runs in a mount namespace of its own, which does not see
    // filesystems mounted after it started.
    Path image = scratch.resolve("small-job-fs.img");
    Path small = scratch.resolve("small job repository");
    Files.createDirectories(small);
    Commands.ok("truncate", "-s", "32M", image.toString());
    Commands.ok("mkfs.ext4", "-q", "-F", image.toString());
    Commands.ok("mount", "-o", "loop", image.toString(), small.toString());
    try (TestGuest guest = TestGuest.builder("fulljob").disk(Disk.qcow2("vda").withBallast(64)).churnKiB(256)
        .create()) {
      CliResult run = cli("backup", guest.name(), "--strategy", "incremental", "--repository", small.toString());

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.stderr().strip()).containsAnyOf("No space left", "could not write its targets")
          .doesNotContain("\n");
      assertThat(guest.state()).as("the guest after a backup job that filled its repository").isEqualTo("running");
      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(small);
      assertThat(Commands.virsh("checkpoint-list", guest.name(), "--name").strip())
          .as("checkpoints of the failed backup").isEmpty();
      // The guest goes on writing to its own disk.
      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
    } finally {
      Commands.run("umount", small.toString());
    }
  }

  private static boolean hasBlockJob(TestGuest guest) {
    return !Commands.virsh("blockjob", guest.name(), "vda", "--info").toLowerCase().contains("no current block job");
  }

  private static CliResult finish(Process backup) throws InterruptedException {
    assertThat(backup.waitFor(10, TimeUnit.MINUTES)).as("the backup command finishes").isTrue();
    return result(backup);
  }
}
