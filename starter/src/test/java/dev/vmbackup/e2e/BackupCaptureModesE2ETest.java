package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.repository.Json;
import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.GuestRecord;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A running VM backed up in each capture mode, through the real CLI, worker, Temporal and libvirt. */
class BackupCaptureModesE2ETest extends EndToEndTest {
  @ParameterizedTest
  @EnumSource(CaptureMode.class)
  void backsUpARunningVmAndLeavesItClean(CaptureMode capture) throws Exception {
    try (TestGuest guest = TestGuest.builder("cap").create()) {
      GuestRecord before = guest.console().last().orElseThrow();

      CliResult run = cli("backup", guest.name(), "--capture", capture.wireName(), "--json");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      assertThat(result.verified()).isTrue();
      assertThat(result.capture()).isEqualTo(capture);
      Path dir = Path.of(result.path());
      assertThat(dir).isEqualTo(repository.resolve(guest.name()).resolve(result.backupId()));
      Manifest manifest = Json.MAPPER.readValue(dir.resolve("manifest.json").toFile(), Manifest.class);
      assertThat(manifest.capture()).isEqualTo(capture);
      assertThat(manifest.verified().ok()).isTrue();
      assertThat(manifest.disks()).extracting(ManifestDisk::target).containsExactly("vda");
      ManifestDisk disk = manifest.disks().get(0);
      Path image = dir.resolve(disk.file());
      assertThat(SparseCopier.sha256(image)).isEqualTo(disk.sha256());
      assertThat(disk.sourcePath()).isEqualTo(guest.diskPath("vda").toString());
      assertThat(manifest.memoryState() != null)
          .isEqualTo(capture == CaptureMode.MEMORY || capture == CaptureMode.SAVED_STATE);
      assertThat(manifest.stoppedMillis() != null).isEqualTo(capture == CaptureMode.SAVED_STATE);
      assertThat(Files.exists(dir.resolve("domain.xml"))).isTrue();

      // The frozen image holds what the guest wrote up to the snapshot, as a clean filesystem.
      DiskContent content = DiskContent.read(image, disk.format()).assertIntact();
      assertThat(content.last().boot()).isEqualTo(before.boot());
      assertThat(content.last().sequence()).isGreaterThanOrEqualTo(before.sequence());
      if (capture == CaptureMode.QUIESCE) {
        assertThat(content.neededJournalReplay()).as("a quiesced filesystem needs no journal replay").isFalse();
      }

      Invariants.assertVmClean(guest, "running");
      Invariants.assertNoPartialBackups(repository);
      // The guest kept running throughout and goes on writing.
      guest.console().waitForNewRecords(3, java.time.Duration.ofSeconds(60));

      CliResult verify = cli("verify", guest.name(), result.backupId());
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
    }
  }
}
