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
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.RestoreResult;
import dev.vmbackup.workflows.model.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Incremental and differential backups through the real CLI, worker, Temporal and libvirt: chains of
 * points that each restore to exactly the disk as it was when backed up, bounded transfers, and chains
 * that go on, or start again with a reason, as the VM changes.
 *
 * <p>How "as it was" is known: for each point the test freezes the guest's filesystems itself (through
 * the agent, with virsh), copies the disk with {@code qemu-img convert -U}, takes the backup (capture
 * crash, since the guest is frozen already) and thaws. The guest cannot write while frozen, so the
 * reference copy and the backup see one and the same disk; a restored point must then be identical to
 * its reference, byte for byte ({@code qemu-img compare}), besides passing {@code e2fsck -fn}.
 */
class IncrementalE2ETest extends EndToEndTest {
  private static final Duration RECORDS = Duration.ofSeconds(90);
  private static final long MIB = 1 << 20;
  private static final int CHURN_KIB = 128;

  /** A point of a chain: the backup, and the disk as it was then. */
  private record Point(BackupResult result, Manifest manifest, Path reference, List<GuestRecord> records) {}

  @Test
  void aFullAndThreeIncrementalsEachRestoreToTheDiskAsItWasWithAndWithoutFlattening() throws Exception {
    try (TestGuest guest = TestGuest.builder("incr").disk(Disk.qcow2("vda").withBallast(48)).churnKiB(CHURN_KIB)
        .create()) {
      List<Point> points = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        guest.console().waitForNewRecords(15, RECORDS);
        points.add(point(guest, "incremental", i));
        Invariants.assertVmClean(guest, "running");
        Invariants.assertNoPartialBackups(repository);
        Chains.assertCheckpointsHonest(guest, repository);
      }

      Point full = points.get(0);
      assertThat(full.manifest().parentBackupId()).isNull();
      assertThat(full.manifest().strategy()).isEqualTo(Strategy.INCREMENTAL);
      assertThat(full.manifest().checkpoint()).isEqualTo("vmbackup-" + full.result().backupId());
      assertThat(full.result().bytesCopied()).isGreaterThan(48 * MIB);
      for (int i = 1; i < 4; i++) {
        Manifest manifest = points.get(i).manifest();
        assertThat(manifest.parentBackupId()).isEqualTo(points.get(i - 1).result().backupId());
        assertThat(manifest.checkpoint()).isEqualTo("vmbackup-" + manifest.backupId());
        assertThat(manifest.disks()).singleElement()
            .satisfies(disk -> assertThat(disk.bitmap()).isEqualTo(manifest.checkpoint()));
        assertThat(manifest.warnings()).isEmpty();
        // The guest rewrites a ring of 64 slots of churn plus its log: far less than the disk's data.
        assertThat(manifest.bytesTransferred()).isPositive()
            .isLessThanOrEqualTo(64L * CHURN_KIB * 1024 + 16 * MIB)
            .isLessThan(full.result().bytesCopied() / 3);
      }
      // Only the checkpoints the next backups start from are kept: the newest and the full one's.
      assertThat(Chains.checkpoints(guest.name())).containsExactlyInAnyOrder(
          full.manifest().checkpoint(), points.get(2).manifest().checkpoint(), points.get(3).manifest().checkpoint());

      for (int i = 0; i < 4; i++) {
        for (boolean flatten : new boolean[] {false, true}) {
          restoreAndCompare(guest, points.get(i), flatten, i == 3 && flatten);
        }
      }
      Invariants.assertVmClean(guest, "running");
    }
  }

  @Test
  void anIncrementalPointRestoredInPlaceIsFlattenedOntoTheVmsOwnDiskAndTheNextBackupIsAFullOne()
      throws Exception {
    try (TestGuest guest = TestGuest.builder("incrplace").churnKiB(CHURN_KIB).create()) {
      point(guest, "incremental", 0);
      guest.console().waitForNewRecords(10, RECORDS);
      Point first = point(guest, "incremental", 1);
      guest.console().waitForNewRecords(10, RECORDS);
      point(guest, "incremental", 2);
      Path image = guest.diskPath("vda");

      CliResult restore = cli("restore", guest.name(), first.result().backupId(), "--in-place", "--no-start", "--json");

      assertThat(restore.exitCode()).as(restore.toString()).isZero();
      RestoreResult restored = restore.json(RestoreResult.class);
      assertThat(restored.disks()).containsExactly(image.toString());
      // The disk the VM had is kept, with its bitmaps, under a new name.
      assertThat(restored.keptAside()).singleElement()
          .satisfies(aside -> assertThat(aside).startsWith(image + ".vmbackup-replaced-"));
      assertThat(Commands.ok("qemu-img", "info", "-U", image.toString())).doesNotContain("backing file:");
      try (var files = Files.list(guest.dir())) {
        assertThat(files.map(Path::toString)).noneMatch(file -> file.contains(".vmbackup-restoring-"));
      }
      Chains.assertSameContent(first.reference(), image, "qcow2");
      assertThat(DiskContent.read(image, "qcow2").assertIntact().records()).isEqualTo(first.records());
      assertThat(guest.state()).isEqualTo("shut off");

      // The VM boots from the restored disk. Its checkpoints name bitmaps that went with the old disk,
      // so the next backup is a clean full one and the checkpoints are honest again.
      guest.start();
      CliResult next = cli("backup", guest.name(), "--strategy", "incremental", "--json");
      assertThat(next.exitCode()).as(next.toString()).isZero();
      BackupResult full = next.json(BackupResult.class);
      assertThat(full.parentBackupId()).isNull();
      assertThat(full.warnings()).anySatisfy(warning -> assertThat(warning).startsWith("new full backup: "));
      Chains.assertCheckpointsHonest(guest, repository);
    }
  }

  @Test
  void differentialsBuildOnTheFullBackupAndRestoreToTheirPoint() throws Exception {
    try (TestGuest guest = TestGuest.builder("diff").churnKiB(CHURN_KIB).create()) {
      Point full = point(guest, "differential", 0);
      guest.console().waitForNewRecords(10, RECORDS);
      Point first = point(guest, "differential", 1);
      guest.console().waitForNewRecords(10, RECORDS);
      Point second = point(guest, "differential", 2);

      assertThat(first.manifest().parentBackupId()).isEqualTo(full.result().backupId());
      assertThat(second.manifest().parentBackupId()).isEqualTo(full.result().backupId());
      assertThat(second.manifest().checkpoint()).isNull();
      // A differential holds everything since the full one: at least what the first did.
      assertThat(second.manifest().bytesTransferred()).isGreaterThanOrEqualTo(first.manifest().bytesTransferred());
      assertThat(Chains.checkpoints(guest.name())).containsExactly(full.manifest().checkpoint());
      restoreAndCompare(guest, second, false, false);
      Chains.assertCheckpointsHonest(guest, repository);
    }
  }

  @Test
  void aStaleCheckpointStartsACleanNewFullBackupAndTheChainGoesOnFromIt() throws Exception {
    try (TestGuest guest = TestGuest.builder("stale").create()) {
      BackupResult full = backup(guest);
      String checkpoint = "vmbackup-" + full.backupId();
      Commands.virsh("checkpoint-delete", guest.name(), checkpoint);

      assertNewFull(guest, "checkpoint " + checkpoint + " of backup " + full.backupId()
          + " no longer exists in libvirt");
    }
  }

  @Test
  void aMissingBitmapStartsACleanNewFullBackup() throws Exception {
    try (TestGuest guest = TestGuest.builder("bitmap").create()) {
      BackupResult full = backup(guest);
      String checkpoint = "vmbackup-" + full.backupId();
      // The image lost its bitmap (a copy of the disk put back, another tool): done offline, as it would be.
      Commands.virsh("destroy", guest.name());
      Commands.ok("qemu-img", "bitmap", "--remove", guest.diskPath("vda").toString(), checkpoint);
      guest.start();

      assertNewFull(guest, "bitmap " + checkpoint + " of checkpoint " + checkpoint + " is missing on disk vda ("
          + guest.diskPath("vda") + ")");
    }
  }

  @Test
  void aResizedDiskStartsACleanNewFullBackup() throws Exception {
    try (TestGuest guest = TestGuest.builder("resize").create()) {
      BackupResult full = backup(guest);
      Commands.virsh("blockresize", guest.name(), "vda", "96M");

      assertNewFull(guest, "disk vda was resized since backup " + full.backupId() + " (from " + 64 * MIB + " to "
          + 96 * MIB + " bytes)");
    }
  }

  @Test
  void anAddedDiskStartsACleanNewFullBackupOfBothDisks() throws Exception {
    try (TestGuest guest = TestGuest.builder("added").create()) {
      BackupResult full = backup(guest);
      Path added = guest.dir().resolve("vdb.qcow2");
      Commands.ok("qemu-img", "create", "-q", "-f", "qcow2", added.toString(), "32M");
      // The tiny guest's PCI bus takes no hotplug: attached to the definition, then a restart.
      Commands.virsh("attach-disk", guest.name(), added.toString(), "vdb", "--driver", "qemu", "--subdriver", "qcow2",
          "--config");
      Commands.virsh("destroy", guest.name());
      guest.start();

      CliResult run = cli("backup", guest.name(), "--strategy", "incremental", "--json");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      BackupResult result = run.json(BackupResult.class);
      assertThat(result.warnings()).containsExactly("new full backup: disk vdb was added since backup " + full.backupId());
      assertThat(result.disks()).extracting(disk -> disk.target()).containsExactly("vda", "vdb");
      Manifest manifest = Chains.manifest(repository, guest.name(), result.backupId());
      assertThat(manifest.parentBackupId()).isNull();
      assertThat(Chains.checkpoints(guest.name())).containsExactly(manifest.checkpoint());
      BackupResult next = backup(guest);
      assertThat(Chains.manifest(repository, guest.name(), next.backupId()).parentBackupId())
          .isEqualTo(result.backupId());
      Chains.assertCheckpointsHonest(guest, repository);
    }
  }

  @Test
  void aVmShutOffAndStartedAgainKeepsItsChain() throws Exception {
    try (TestGuest guest = TestGuest.builder("restart").churnKiB(CHURN_KIB).create()) {
      Point full = point(guest, "incremental", 0);
      guest.console().waitForNewRecords(10, RECORDS);
      Commands.virsh("destroy", guest.name());

      // Shut off: the backup API needs a running VM; the disks are copied as they are, outside the chain.
      CliResult offline = cli("backup", guest.name(), "--strategy", "incremental", "--json");
      assertThat(offline.exitCode()).as(offline.toString()).isZero();
      BackupResult copy = offline.json(BackupResult.class);
      assertThat(copy.warnings()).anySatisfy(warning -> assertThat(warning).contains("standalone full copy"));
      assertThat(Chains.manifest(repository, guest.name(), copy.backupId()).checkpoint()).isNull();
      Invariants.assertVmClean(guest, "shut off");

      guest.start();
      guest.console().waitForNewRecords(10, RECORDS);
      Point next = point(guest, "incremental", 1);

      assertThat(next.manifest().warnings()).isEmpty();
      assertThat(next.manifest().parentBackupId()).isEqualTo(full.result().backupId());
      restoreAndCompare(guest, next, false, false);
      Chains.assertCheckpointsHonest(guest, repository);
    }
  }

  @Test
  void aFullStrategyBackupInBetweenLeavesTheChainIntact() throws Exception {
    try (TestGuest guest = TestGuest.builder("mixed").churnKiB(CHURN_KIB).create()) {
      Point first = point(guest, "incremental", 0);
      guest.console().waitForNewRecords(10, RECORDS);
      // Snapshot, copy, block commit: the bitmap must follow the disk through the overlay and back.
      CliResult full = cli("backup", guest.name(), "--strategy", "full", "--json");
      assertThat(full.exitCode()).as(full.toString()).isZero();
      Invariants.assertVmClean(guest, "running");
      guest.console().waitForNewRecords(10, RECORDS);

      Point next = point(guest, "incremental", 1);

      assertThat(next.manifest().warnings()).isEmpty();
      assertThat(next.manifest().parentBackupId()).isEqualTo(first.result().backupId());
      restoreAndCompare(guest, next, true, false);
      Chains.assertCheckpointsHonest(guest, repository);
    }
  }

  @Test
  void aRawDiskIsRefusedWithOneLineUnlessAFullCopyEveryTimeIsAllowed() throws Exception {
    try (TestGuest guest = TestGuest.builder("raw").disk(Disk.qcow2("vda")).disk(Disk.raw("vdb")).create()) {
      CliResult refused = cli("backup", guest.name(), "--strategy", "incremental");

      assertThat(refused.exitCode()).isEqualTo(1);
      assertThat(refused.stderr().strip()).contains("vdb (raw").contains("--allow-full-fallback").doesNotContain("\n");
      Invariants.assertNoPartialBackups(repository);

      CliResult allowed = cli("backup", guest.name(), "--strategy", "incremental", "--allow-full-fallback", "--json");
      assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
      BackupResult result = allowed.json(BackupResult.class);
      assertThat(result.warnings()).anySatisfy(warning -> assertThat(warning).contains("full copy"));
      assertThat(Chains.checkpoints(guest.name())).isEmpty();
      for (var disk : result.disks()) {
        DiskContent.read(Path.of(result.path(), disk.file()), disk.format()).assertIntact();
      }
      Invariants.assertVmClean(guest, "running");
    }
  }

  /** One backup of the strategy taken at a frozen instant, with the reference copy of the disk then. */
  private Point point(TestGuest guest, String strategy, int index) {
    Path reference = scratch.resolve(guest.name() + "-" + index + ".raw");
    Chains.freezeAndCopy(guest, "vda", reference);
    CliResult run;
    Long dirtyWhileFrozen = null;
    try {
      run = cli("backup", guest.name(), "--strategy", strategy, "--capture", "crash", "--json");
      assertThat(run.exitCode()).as(run.toString()).isZero();
      Manifest manifest = Chains.manifest(repository, guest.name(), run.json(BackupResult.class).backupId());
      if (manifest.parentBackupId() != null) {
        // Still frozen: the parent's checkpoint bitmap marks exactly the clusters changed since it.
        String base = Chains.manifest(repository, guest.name(), manifest.parentBackupId()).checkpoint();
        dirtyWhileFrozen = Chains.dirtyBytes(guest.name(), base, "vda");
      }
    } finally {
      Chains.thaw(guest);
    }
    BackupResult result = run.json(BackupResult.class);
    Manifest manifest = Chains.manifest(repository, guest.name(), result.backupId());
    assertThat(result.strategy().wireName()).isEqualTo(strategy);
    assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
    if (dirtyWhileFrozen != null) {
      assertThat(manifest.bytesTransferred()).as("bytes transferred against the bitmap's dirty count")
          .isLessThanOrEqualTo(dirtyWhileFrozen);
      assertThat(result.bytesCopied()).isEqualTo(manifest.bytesTransferred());
    }
    DiskContent atBackup = DiskContent.read(reference, "raw").assertIntact();
    return new Point(result, manifest, reference, atBackup.records());
  }

  /**
   * Restores the point as a new VM (not started) and checks the restored disk against the reference:
   * identical content, a clean filesystem, the same record log. Optionally boots it.
   */
  private void restoreAndCompare(TestGuest guest, Point point, boolean flatten, boolean boot) {
    String name = guest.name() + "-r" + point.result().backupId().substring(9, 15) + (flatten ? "f" : "");
    Path target = scratch.resolve(name);
    try {
      List<String> arguments = new ArrayList<>(List.of("restore", guest.name(), point.result().backupId(), "--as", name,
          "--target-dir", target.toString(), "--no-start", "--json"));
      if (flatten) {
        arguments.add("--flatten");
      }
      CliResult restore = cli(arguments.toArray(String[]::new));
      assertThat(restore.exitCode()).as(restore.toString()).isZero();
      RestoreResult restored = restore.json(RestoreResult.class);
      Path disk = Path.of(restored.disks().get(0));
      assertThat(disk).isEqualTo(target.resolve(name + "-vda.qcow2"));
      String backing = Commands.ok("qemu-img", "info", "-U", disk.toString());
      if (flatten || point.manifest().parentBackupId() == null) {
        assertThat(backing).doesNotContain("backing file:");
        assertThat(Files.list(target).filter(f -> f.toString().contains("-backing")).toList()).isEmpty();
      } else {
        assertThat(backing).contains("backing file: " + target.resolve(name + "-vda-backing1.qcow2"));
      }
      Chains.assertSameContent(point.reference(), disk, "qcow2");
      DiskContent content = DiskContent.read(disk, "qcow2").assertIntact();
      assertThat(content.records()).isEqualTo(point.records());
      if (boot) {
        Commands.virsh("start", name);
        GuestRecord booted = new ConsoleLog(target.resolve(name + "-console.log")).waitForNewRecords(3, RECORDS);
        assertThat(booted.boot()).isNotEqualTo(point.records().get(0).boot());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      Commands.tryVirsh("destroy", name);
      Commands.tryVirsh("undefine", name, "--nvram");
      TestHost.deleteRecursively(target);
    }
  }

  private BackupResult backup(TestGuest guest) {
    CliResult run = cli("backup", guest.name(), "--strategy", "incremental", "--json");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run.json(BackupResult.class);
  }

  /** The next incremental is a full backup that says why, deletes the stale checkpoints, and the chain goes on from it. */
  private void assertNewFull(TestGuest guest, String reason) throws Exception {
    Path reference = scratch.resolve(guest.name() + "-new-full.raw");
    Chains.freezeAndCopy(guest, "vda", reference);
    CliResult run;
    try {
      run = cli("backup", guest.name(), "--strategy", "incremental", "--capture", "crash", "--json");
    } finally {
      Chains.thaw(guest);
    }
    assertThat(run.exitCode()).as(run.toString()).isZero();
    BackupResult result = run.json(BackupResult.class);
    assertThat(result.warnings()).containsExactly("new full backup: " + reason);
    Manifest manifest = Chains.manifest(repository, guest.name(), result.backupId());
    assertThat(manifest.warnings()).containsExactly("new full backup: " + reason);
    assertThat(manifest.parentBackupId()).isNull();
    assertThat(Chains.checkpoints(guest.name())).containsExactly(manifest.checkpoint());
    Chains.assertSameContent(reference, Path.of(result.path(), "vda.qcow2"), "qcow2");
    Invariants.assertVmClean(guest, "running");

    guest.console().waitForNewRecords(5, RECORDS);
    BackupResult next = backup(guest);
    Manifest nextManifest = Chains.manifest(repository, guest.name(), next.backupId());
    assertThat(nextManifest.parentBackupId()).isEqualTo(result.backupId());
    assertThat(next.warnings()).isEmpty();
    DiskContent.read(Path.of(next.path(), "vda.qcow2"), "qcow2").assertIntact();
    Chains.assertCheckpointsHonest(guest, repository);
    Files.deleteIfExists(reference);
  }
}
