package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.ConsoleLog;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.GuestRecord;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.RestoreResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Restores through the real CLI, worker, Temporal and libvirt: as a new VM, and in place from memory. */
class RestoreE2ETest extends EndToEndTest {
  @Test
  void twoDisksOneRawInADirectoryWithASpaceRestoreAsANewVmThatBoots() {
    try (TestGuest guest = TestGuest.builder("two").directory("disk images")
        .disk(Disk.qcow2("vda")).disk(Disk.raw("vdb")).create()) {
      CliResult backup = cli("backup", guest.name(), "--json");
      assertThat(backup.exitCode()).as(backup.toString()).isZero();
      BackupResult result = backup.json(BackupResult.class);
      assertThat(result.disks()).extracting(ManifestDisk::target, ManifestDisk::format)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("vda", "qcow2"),
              org.assertj.core.groups.Tuple.tuple("vdb", "raw"));
      Invariants.assertVmClean(guest, "running");

      String copy = guest.name() + "-copy";
      Path target = guest.dir().resolveSibling("restored here");
      try {
        CliResult restore = cli("restore", guest.name(), result.backupId(), "--as", copy,
            "--target-dir", target.toString(), "--no-start", "--json");
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        RestoreResult restored = restore.json(RestoreResult.class);
        assertThat(restored.running()).isFalse();
        assertThat(restored.uuid()).isNotEqualTo(Commands.virsh("domuuid", guest.name()).trim());
        assertThat(Commands.virsh("domuuid", copy).trim()).isEqualTo(restored.uuid());
        assertThat(Invariants.blockList(copy, true)).containsExactly(
            org.assertj.core.data.MapEntry.entry("vda", target.resolve(copy + "-vda.qcow2").toString()),
            org.assertj.core.data.MapEntry.entry("vdb", target.resolve(copy + "-vdb.raw").toString()));

        // Each restored disk is the backup's disk: a clean filesystem with the records up to the snapshot.
        for (ManifestDisk disk : result.disks()) {
          DiskContent fromBackup = DiskContent.read(Path.of(result.path(), disk.file()), disk.format());
          DiskContent restoredDisk = DiskContent.read(
              target.resolve(copy + "-" + disk.target() + "." + disk.format()), disk.format()).assertIntact();
          assertThat(restoredDisk.records()).isEqualTo(fromBackup.records());
        }

        // It boots: a new boot writes new records after the restored ones.
        Commands.virsh("start", copy);
        ConsoleLog console = new ConsoleLog(target.resolve(copy + "-console.log"));
        GuestRecord booted = console.waitForNewRecords(3, Duration.ofSeconds(90));
        assertThat(booted.boot()).isNotEqualTo(guest.console().last().orElseThrow().boot());
        // The original kept running on its own disks meanwhile.
        Invariants.assertVmClean(guest, "running");
      } finally {
        Commands.tryVirsh("destroy", copy);
        Commands.tryVirsh("undefine", copy, "--nvram");
        TestHost.deleteRecursively(target);
      }
    }
  }

  @Test
  void inPlaceMemoryRestoreResumesTheGuestWhereItWas() throws Exception {
    try (TestGuest guest = TestGuest.builder("mem").create()) {
      CliResult backup = cli("backup", guest.name(), "--capture", "memory", "--json");
      assertThat(backup.exitCode()).as(backup.toString()).isZero();
      BackupResult result = backup.json(BackupResult.class);
      DiskContent atBackup = DiskContent.read(Path.of(result.path(), "vda.qcow2"), "qcow2");
      GuestRecord snapshotPoint = atBackup.last();

      // The guest moves on well past the backup before it is restored.
      GuestRecord beforeRestore = guest.console().waitForNewRecords(15, Duration.ofSeconds(90));
      int consoleBefore = Files.readString(guest.consoleLog(), StandardCharsets.ISO_8859_1).length();
      CliResult restore = cli("restore", guest.name(), result.backupId(), "--memory", "--json");
      assertThat(restore.exitCode()).as(restore.toString()).isZero();
      RestoreResult restored = restore.json(RestoreResult.class);
      assertThat(restored.mode()).isEqualTo("in-place-memory");
      assertThat(restored.running()).isTrue();
      assertThat(guest.state()).isEqualTo("running");

      // Nothing is lost: the disk it ran on before the restore is kept aside, under a new name.
      assertThat(restored.keptAside()).hasSize(1);
      assertThat(Files.exists(Path.of(restored.keptAside().get(0)))).isTrue();
      assertThat(Invariants.blockList(guest.name(), false))
          .containsEntry("vda", guest.diskPath("vda").toString());

      // The counter goes back to the snapshot point and goes on, in the same boot, instead of starting
      // again: the first record after the restore is the one after the backed-up state.
      guest.console().waitForNewRecords(5, Duration.ofSeconds(90));
      String since = Files.readString(guest.consoleLog(), StandardCharsets.ISO_8859_1).substring(consoleBefore);
      GuestRecord firstAfter = firstRecordAfterRestore(since, beforeRestore);
      assertThat(firstAfter.boot()).isEqualTo(beforeRestore.boot());
      assertThat(firstAfter.sequence()).isLessThan(beforeRestore.sequence())
          .isBetween(snapshotPoint.sequence(), snapshotPoint.sequence() + 3);

      // And the disk the guest writes to has one unbroken log across the restore.
      Commands.virsh("destroy", guest.name());
      DiskContent now = DiskContent.read(guest.diskPath("vda"), "qcow2").assertIntact();
      assertThat(now.records().stream().map(GuestRecord::boot).distinct().toList())
          .containsExactly(snapshotPoint.boot());
      assertThat(now.last().sequence()).isGreaterThan(snapshotPoint.sequence());
      Files.deleteIfExists(Path.of(restored.keptAside().get(0)));
    }
  }

  @Test
  void refusesToOverwriteAnExistingDomainOrFileAndChangesNothing() {
    try (TestGuest guest = TestGuest.builder("nover").create()) {
      CliResult backup = cli("backup", guest.name(), "--json");
      assertThat(backup.exitCode()).as(backup.toString()).isZero();
      String backupId = backup.json(BackupResult.class).backupId();

      CliResult existingDomain = cli("restore", guest.name(), backupId, "--as", guest.name());
      assertThat(existingDomain.exitCode()).isEqualTo(1);
      assertThat(existingDomain.stderr().strip()).contains("exists already").doesNotContain("\n");

      Path target = guest.dir().resolveSibling("occupied");
      Path occupied = target.resolve(guest.name() + "-x-vda.qcow2");
      Files.createDirectories(target);
      Files.writeString(occupied, "user data");
      CliResult existingFile = cli("restore", guest.name(), backupId, "--as", guest.name() + "-x",
          "--target-dir", target.toString());
      assertThat(existingFile.exitCode()).isEqualTo(1);
      assertThat(existingFile.stderr()).contains(occupied.toString()).contains("exists already");
      assertThat(Files.readString(occupied)).isEqualTo("user data");
      assertThat(Commands.tryVirsh("dominfo", guest.name() + "-x").succeeded()).isFalse();
      Invariants.assertVmClean(guest, "running");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The console shows the records the guest printed until the restore stopped it, then the ones it
   * printed after resuming from the saved state: the first record whose counter went back.
   */
  private static GuestRecord firstRecordAfterRestore(String console, GuestRecord beforeRestore) {
    var matcher = java.util.regex.Pattern.compile("record (\\S+) (\\d+)").matcher(console);
    long previous = beforeRestore.sequence();
    while (matcher.find()) {
      GuestRecord record = new GuestRecord(matcher.group(1), Long.parseLong(matcher.group(2)));
      if (record.sequence() < previous) {
        return record;
      }
      previous = record.sequence();
    }
    throw new AssertionError("no record after the restore went back to the saved state:\n" + console);
  }

}
