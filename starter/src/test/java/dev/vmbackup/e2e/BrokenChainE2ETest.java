package dev.vmbackup.e2e;

import static dev.vmbackup.e2e.Invariants.chainOverlay;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.Manifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Chains broken outside vmbackup: the top overlay committed by hand, a layer deleted while the VM runs,
 * a disk resized. The next backup notices before it writes anything, repairs what only it can still
 * repair (a deleted layer's data lives on only in QEMU), starts a new chain with a full copy and says
 * why in its manifest; it never writes an incremental that cannot be restored.
 */
class BrokenChainE2ETest extends EndToEndTest {
  @Test
  void aTopOverlayCommittedByHandStartsANewChain() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainbroken").churnKiB(64).create()) {
      String image = guest.diskPath("vda").toString();
      BackupResult one = chainBackup(guest);
      guest.console().waitForNewRecords(5, Duration.ofSeconds(60));
      BackupResult two = chainBackup(guest);
      assertThat(two.parentBackupId()).isEqualTo(one.backupId());
      guest.console().waitForNewRecords(5, Duration.ofSeconds(60));

      // An operator folds the newest overlay back into the one below and deletes it.
      String top = chainOverlay(guest, "vda", two.backupId());
      Commands.virsh("blockcommit", guest.name(), "vda", "--active", "--shallow", "--pivot", "--wait");
      Files.delete(Path.of(top));
      String now = chainOverlay(guest, "vda", one.backupId());
      assertThat(Invariants.blockList(guest.name(), false)).containsEntry("vda", now);

      BackupResult three = chainBackup(guest);

      assertThat(three.parentBackupId()).as("a new chain").isNull();
      Manifest manifest = ChainE2ETest.manifest(three);
      assertThat(manifest.parentBackupId()).isNull();
      assertThat(manifest.warnings()).anySatisfy(warning -> assertThat(warning)
          .startsWith("new chain: ").contains("disk vda runs on " + now).contains(top));
      assertThat(manifest.disks().get(0).backing()).as("the whole frozen chain was copied").hasSize(1);
      Invariants.assertVmOnChain(guest, "running", "vda",
          List.of(chainOverlay(guest, "vda", three.backupId()), now, image));
      DiskContent point = DiskContent.read(ChainE2ETest.restore(guest, three, "p3", false), "qcow2").assertIntact();
      DiskContent before = DiskContent.read(ChainE2ETest.restore(guest, two, "p2", false), "qcow2").assertIntact();
      assertThat(point.last().sequence()).isGreaterThan(before.last().sequence());
      assertThat(cli("list", guest.name()).stdout().lines()
          .filter(line -> line.contains(three.backupId())).findFirst().orElseThrow()).endsWith("-");
    }
  }

  @Test
  void aLayerDeletedByHandWhileTheVmRunsIsPulledInAndANewChainStarts() throws Exception {
    try (TestGuest guest = TestGuest.builder("chaindeleted").churnKiB(64).create()) {
      String image = guest.diskPath("vda").toString();
      BackupResult one = chainBackup(guest);
      guest.console().waitForNewRecords(5, Duration.ofSeconds(60));
      BackupResult two = chainBackup(guest);
      guest.console().waitForNewRecords(5, Duration.ofSeconds(60));
      BackupResult three = chainBackup(guest);
      guest.console().waitForNewRecords(5, Duration.ofSeconds(60));

      // An operator "cleans up" the oldest overlay while the VM runs on the chain above it. QEMU still
      // holds the file open; once the VM stops, its data would be gone and the disk unusable.
      String deleted = chainOverlay(guest, "vda", one.backupId());
      String above = chainOverlay(guest, "vda", two.backupId());
      String active = chainOverlay(guest, "vda", three.backupId());
      Files.delete(Path.of(deleted));

      BackupResult four = chainBackup(guest);

      assertThat(four.parentBackupId()).as("a new chain").isNull();
      Manifest manifest = ChainE2ETest.manifest(four);
      assertThat(manifest.warnings()).anySatisfy(warning -> assertThat(warning)
          .startsWith("new chain: the running chain was repaired: ").contains(deleted).contains(active));
      assertThat(manifest.disks().get(0).backing()).as("the whole frozen chain was copied").hasSize(1);
      // The layers above the deleted one were pulled into the active overlay, which now sits on the
      // VM's own image; the pulled chain overlay is gone with it.
      Invariants.assertVmOnChain(guest, "running", "vda",
          List.of(chainOverlay(guest, "vda", four.backupId()), active, image));
      assertThat(Path.of(above)).doesNotExist();
      DiskContent point = DiskContent.read(ChainE2ETest.restore(guest, four, "p4", false), "qcow2").assertIntact();
      DiskContent before = DiskContent.read(ChainE2ETest.restore(guest, three, "p3", false), "qcow2").assertIntact();
      assertThat(point.last().sequence()).isGreaterThan(before.last().sequence());

      // The VM starts again from its repaired chain and goes on writing.
      Commands.virsh("destroy", guest.name());
      guest.start();
      BackupResult five = chainBackup(guest);
      assertThat(five.parentBackupId()).as("the new chain goes on").isEqualTo(four.backupId());
    }
  }

  @Test
  void aResizedDiskStartsANewChain() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainresized").create()) {
      BackupResult one = chainBackup(guest);
      String top = chainOverlay(guest, "vda", one.backupId());
      Commands.virsh("blockresize", guest.name(), "vda", "96M");

      BackupResult two = chainBackup(guest);

      assertThat(two.parentBackupId()).isNull();
      assertThat(ChainE2ETest.manifest(two).warnings()).anySatisfy(warning -> assertThat(warning)
          .startsWith("new chain: ").contains("disk vda was resized from 67108864 to 100663296 bytes"));
      assertThat(ChainE2ETest.manifest(two).disks().get(0).virtualSize()).isEqualTo(96L << 20);
      Invariants.assertVmOnChain(guest, "running", "vda",
          List.of(chainOverlay(guest, "vda", two.backupId()), top, guest.diskPath("vda").toString()));
      DiskContent.read(ChainE2ETest.restore(guest, two, "p2", false), "qcow2").assertIntact();
    }
  }

  private static BackupResult chainBackup(TestGuest guest) {
    CliResult run = cli("backup", guest.name(), "--strategy", "chain", "--json");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run.json(BackupResult.class);
  }
}
