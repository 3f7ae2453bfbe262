package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.ManifestDisk;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Backups of VMs that are not simply running with a guest agent, and of one VM twice at once. */
@WorkerOptions({"--copy-bandwidth", "32"})
class BackupEdgeCasesE2ETest extends EndToEndTest {
  @Test
  void aShutOffVmIsCopiedAsItIsAndStaysShutOff() throws Exception {
    try (TestGuest guest = TestGuest.builder("off").create()) {
      Commands.virsh("destroy", guest.name());
      String imageBefore = SparseCopier.sha256(guest.diskPath("vda"));

      CliResult run = cli("backup", guest.name(), "--json");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
      assertThat(result.warnings()).anyMatch(warning -> warning.contains("shut off"));
      assertThat(result.disks().get(0).sha256()).isEqualTo(imageBefore);
      assertThat(SparseCopier.sha256(guest.diskPath("vda"))).isEqualTo(imageBefore);
      DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      Invariants.assertVmClean(guest, "shut off");
    }
  }

  /**
   * A VM that already runs on a backing chain (its template's image below an overlay of its own): a full
   * backup copies every layer, and the shallow merge leaves the VM on exactly that chain.
   */
  @Test
  void aVmOnABackingChainIsCopiedLayerByLayerAndKeepsItsChain() throws Exception {
    try (TestGuest guest = TestGuest.builder("layered").create()) {
      Path base = guest.diskPath("vda");
      Path own = guest.dir().resolve("vda-own.qcow2");
      Commands.virsh("snapshot-create-as", guest.name(), "--disk-only", "--no-metadata", "--atomic",
          "--diskspec", "vda,file=" + own);
      List<String> chain = Invariants.backingChain(own.toString());
      assertThat(chain).containsExactly(own.toString(), base.toString());

      CliResult run = cli("backup", guest.name(), "--capture", "crash", "--json");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      ManifestDisk disk = result.disks().get(0);
      assertThat(disk.sourcePath()).isEqualTo(own.toString());
      assertThat(disk.backing()).singleElement().satisfies(layer -> {
        assertThat(layer.sourcePath()).isEqualTo(base.toString());
        // The template's image is read-only below the overlay, so its copy must be identical to it.
        assertThat(SparseCopier.sha256(Path.of(result.path(), layer.file()))).isEqualTo(SparseCopier.sha256(base));
      });
      Invariants.assertNoPartialBackups(repository);
      Invariants.assertVmOnChain(guest, "running", "vda", chain);
    }
  }

  @Test
  void withoutAGuestAgentAQuiesceFallsBackToCrashConsistencyAndSaysSo() throws Exception {
    try (TestGuest guest = TestGuest.builder("noagent").withoutAgent().create()) {
      CliResult run = cli("backup", guest.name(), "--capture", "quiesce", "--json");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
      assertThat(result.warnings()).anyMatch(warning -> warning.contains("guest agent"));
      var manifest = dev.vmbackup.host.repository.Json.MAPPER.readTree(Path.of(result.path(), "manifest.json").toFile());
      assertThat(manifest.get("captureRequested").asText()).isEqualTo("quiesce");
      assertThat(manifest.get("capture").asText()).isEqualTo("crash");
      assertThat(manifest.get("warnings").toString()).contains("guest agent");
      DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2").assertIntact();
      Invariants.assertVmClean(guest, "running");
    }
  }

  @Test
  void aSecondBackupOfTheSameVmIsRefusedNamingTheRunningOne() throws Exception {
    try (TestGuest guest = TestGuest.builder("twice")
        .disk(dev.vmbackup.host.guest.TinyGuest.Disk.qcow2("vda").withBallast(256)).create()) {
      Process first = startCli("backup", guest.name(), "--json");
      // Wait until the first backup's workflow exists, then ask for a second one.
      String workflowId = dev.vmbackup.workflows.BackupWorkflow.workflowId(host, guest.name());
      Awaits.until("the first backup runs", () -> Workflows.isRunning(client, workflowId));

      CliResult second = cli("backup", guest.name());

      assertThat(second.exitCode()).isEqualTo(1);
      assertThat(second.stderr().strip()).contains("already running").contains(workflowId).doesNotContain("\n");
      assertThat(first.waitFor(5, TimeUnit.MINUTES)).isTrue();
      CliResult firstResult = result(first);
      assertThat(firstResult.exitCode()).as(firstResult.toString()).isZero();
      Invariants.assertVmClean(guest, "running");
    }
  }
}
