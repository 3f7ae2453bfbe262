package dev.vmbackup.e2e;

import static dev.vmbackup.e2e.Invariants.chainOverlay;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.host.repository.Json;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.GuestRecord;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Strategy chain through the real CLI, worker, Temporal and libvirt, with a guest that writes all the
 * time: three backups restored to each point, incrementals that copy what the guest wrote rather than
 * the disk, list and verify of a chain, and consolidation while the guest writes.
 */
class ChainE2ETest extends EndToEndTest {
  private static final long KIB = 1024;
  private static final long MIB = 1024 * KIB;
  private static final int CHURN_KIB = 64;

  @Test
  void threeChainBackupsWithTheGuestWritingBetweenThemRestoreToEachPoint() throws Exception {
    try (TestGuest guest = TestGuest.builder("chain3").disk(Disk.qcow2("vda").withBallast(64)).churnKiB(CHURN_KIB)
        .create()) {
      String image = guest.diskPath("vda").toString();
      List<BackupResult> points = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        if (i > 0) {
          guest.console().waitForNewRecords(10, Duration.ofSeconds(90));
        }
        CliResult run = cli("backup", guest.name(), "--strategy", "chain", "--json");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        points.add(run.json(BackupResult.class));
      }
      BackupResult first = points.get(0);
      BackupResult second = points.get(1);
      BackupResult third = points.get(2);
      assertThat(points).allMatch(point -> point.strategy() == Strategy.CHAIN && point.verified());
      assertThat(first.parentBackupId()).isNull();
      assertThat(second.parentBackupId()).isEqualTo(first.backupId());
      assertThat(third.parentBackupId()).isEqualTo(second.backupId());
      assertThat(points).allMatch(point -> point.warnings().isEmpty());

      // The repository records the chain: each manifest names its parent, its layer and where it lived.
      Manifest root = manifest(first);
      assertThat(root.disks().get(0).sourcePath()).isEqualTo(image);
      assertThat(root.chain().disks().get(0).overlay()).isEqualTo(chainOverlay(guest, "vda", first.backupId()));
      for (int i = 1; i < 3; i++) {
        Manifest layer = manifest(points.get(i));
        assertThat(layer.parentBackupId()).isEqualTo(points.get(i - 1).backupId());
        ManifestDisk disk = layer.disks().get(0);
        assertThat(disk.sourcePath()).isEqualTo(chainOverlay(guest, "vda", points.get(i - 1).backupId()));
        assertThat(disk.backing()).as("its parent provides the layers below").isEmpty();
      }

      // The VM runs on the newest overlay, the older ones below it, and nothing else is left behind.
      Invariants.assertVmOnChain(guest, "running", "vda", List.of(
          chainOverlay(guest, "vda", third.backupId()), chainOverlay(guest, "vda", second.backupId()),
          chainOverlay(guest, "vda", first.backupId()), image));
      Invariants.assertNoPartialBackups(repository);

      // list shows which backup depends on which.
      CliResult list = cli("list", guest.name());
      assertThat(list.exitCode()).as(list.toString()).isZero();
      assertThat(list.stdout()).contains("PARENT");
      assertThat(list.stdout().lines().filter(line -> line.contains(third.backupId())).findFirst().orElseThrow())
          .contains("chain").endsWith(second.backupId());
      assertThat(list.stdout().lines().filter(line -> line.contains(first.backupId())).findFirst().orElseThrow())
          .endsWith("-");
      JsonNode listed = cli("list", guest.name(), "--json").json().get("backups");
      assertThat(listed).hasSize(3);
      assertThat(listed.get(1).get("manifest").get("parentBackupId").asText()).isEqualTo(first.backupId());
      assertThat(listed.get(1).get("dependents").get(0).asText()).isEqualTo(third.backupId());

      // verify re-reads every layer the newest point needs.
      CliResult verify = cli("verify", guest.name(), third.backupId());
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
      assertThat(verify.stdout()).contains("3 chained backups");

      // Every point restores to a clean filesystem whose log ends later than the previous point's.
      GuestRecord previous = null;
      List<GuestRecord> ends = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Path restored = restore(guest, points.get(i), "p" + i, false);
        assertThat(Invariants.backingChain(restored.toString())).as("point %d: its layers, in the target", i)
            .hasSize(i + 1).allMatch(layer -> layer.startsWith(restored.getParent().toString()));
        DiskContent content = DiskContent.read(restored, "qcow2").assertIntact();
        if (previous != null) {
          assertThat(content.last().boot()).isEqualTo(previous.boot());
          assertThat(content.last().sequence()).as("point %d ends later than point %d", i, i - 1)
              .isGreaterThan(previous.sequence());
        }
        previous = content.last();
        ends.add(previous);
      }
      // And flattened: one standalone image with the same content.
      Path flat = restore(guest, third, "flat", true);
      assertThat(Invariants.backingChain(flat.toString())).containsExactly(flat.toString());
      assertThat(DiskContent.read(flat, "qcow2").assertIntact().last()).isEqualTo(previous);

      // An incremental copies about what the guest wrote since the previous point, not the disk.
      for (int i = 1; i < 3; i++) {
        long layerBytes = manifest(points.get(i)).disks().get(0).bytes();
        long records = ends.get(i).sequence() - ends.get(i - 1).sequence();
        // Each record rewrites one of 64 churn slots and appends a line; the filesystem adds its journal
        // (at most its size, 4 MiB here) and metadata, qcow2 its tables.
        long guestWrote = Math.min(records, 64) * CHURN_KIB * KIB + records * 64;
        long copied = points.get(i).bytesCopied();
        System.out.printf("incremental %d: %d records, guest wrote <= %d bytes of data, layer file %d bytes,"
            + " copied %d bytes; the full copy wrote %d bytes of a %d-byte disk%n", i, records, guestWrote, layerBytes,
            copied, first.bytesCopied(), root.disks().get(0).virtualSize());
        assertThat(copied).as("copied by incremental %d", i).isLessThanOrEqualTo(layerBytes)
            .isLessThanOrEqualTo(guestWrote + 6 * MIB)
            .isLessThan(first.bytesCopied() / 4);
      }
      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
    }
  }

  @Test
  void consolidationWhileTheGuestWritesKeepsItRunningOnAShortChainWithItsDataIntact() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainconsol").disk(Disk.qcow2("vda").withBallast(16)).churnKiB(256)
        .create()) {
      String image = guest.diskPath("vda").toString();
      List<BackupResult> points = new ArrayList<>();
      GuestRecord before = null;
      for (int i = 0; i < 3; i++) {
        if (i > 0) {
          before = guest.console().waitForNewRecords(8, Duration.ofSeconds(90));
        }
        CliResult run = cli("backup", guest.name(), "--strategy", "chain", "--max-chain-length", "2", "--json");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        points.add(run.json(BackupResult.class));
        if (i == 1) {
          Invariants.assertVmOnChain(guest, "running", "vda", List.of(
              chainOverlay(guest, "vda", points.get(1).backupId()), chainOverlay(guest, "vda", points.get(0).backupId()),
              image));
        }
      }
      String oldest = chainOverlay(guest, "vda", points.get(0).backupId());

      // The third backup would have made 3 overlays: the oldest was committed into the VM's own image
      // first, without breaking the chain in the repository.
      assertThat(points.get(2).parentBackupId()).isEqualTo(points.get(1).backupId());
      Invariants.assertVmOnChain(guest, "running", "vda", List.of(
          chainOverlay(guest, "vda", points.get(2).backupId()), chainOverlay(guest, "vda", points.get(1).backupId()),
          image));
      assertThat(Files.exists(Path.of(oldest))).as("the committed layer is deleted").isFalse();
      GuestRecord after = guest.console().waitForNewRecords(5, Duration.ofSeconds(60));
      assertThat(after.boot()).as("the VM kept running").isEqualTo(before.boot());

      // The repository is untouched by it: the oldest point still verifies, every point restores.
      CliResult verify = cli("verify", guest.name(), points.get(2).backupId());
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
      DiskContent newest = DiskContent.read(restore(guest, points.get(2), "p2", false), "qcow2").assertIntact();
      assertThat(newest.last().sequence()).isGreaterThanOrEqualTo(before.sequence());

      // And the VM's own disk holds every record it wrote, across the consolidation.
      Commands.virsh("destroy", guest.name());
      DiskContent now = DiskContent.read(Path.of(chainOverlay(guest, "vda", points.get(2).backupId())), "qcow2")
          .assertIntact();
      assertThat(now.last().sequence()).isGreaterThanOrEqualTo(after.sequence());
      assertThat(now.records().get(0).sequence()).isEqualTo(1);
    }
  }

  @Test
  void aDiskIsRestoredToAnotherPointOnlyWhenAskedExplicitly() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainpoints").disk(Disk.qcow2("vda")).disk(Disk.qcow2("vdb")).create()) {
      CliResult one = cli("backup", guest.name(), "--strategy", "chain", "--json");
      assertThat(one.exitCode()).as(one.toString()).isZero();
      guest.console().waitForNewRecords(10, Duration.ofSeconds(90));
      CliResult two = cli("backup", guest.name(), "--strategy", "chain", "--json");
      assertThat(two.exitCode()).as(two.toString()).isZero();
      BackupResult first = one.json(BackupResult.class);
      BackupResult second = two.json(BackupResult.class);

      String copy = guest.name() + "-mixed";
      Path target = guest.dir().resolve("restored-mixed");
      try {
        CliResult restore = cli("restore", guest.name(), second.backupId(), "--as", copy, "--disk",
            "vdb=" + first.backupId(), "--target-dir", target.toString(), "--no-start", "--json");
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
      } finally {
        Commands.tryVirsh("undefine", copy, "--nvram");
      }
      DiskContent vda = DiskContent.read(target.resolve(copy + "-vda.qcow2"), "qcow2").assertIntact();
      DiskContent vdb = DiskContent.read(target.resolve(copy + "-vdb.qcow2"), "qcow2").assertIntact();
      DiskContent vdbAtFirst = DiskContent.read(restore(guest, first, "p1", false).resolveSibling(
          guest.name() + "-p1-vdb.qcow2"), "qcow2");
      assertThat(vdb.records()).as("vdb as at the first point").isEqualTo(vdbAtFirst.records());
      assertThat(vda.last().sequence()).as("vda as at the second point").isGreaterThan(vdb.last().sequence() + 5);
      assertThat(Invariants.backingChain(target.resolve(copy + "-vdb.qcow2").toString())).hasSize(1);
    }
  }

  static Manifest manifest(BackupResult result) throws java.io.IOException {
    return Json.MAPPER.readValue(Path.of(result.path(), "manifest.json").toFile(), Manifest.class);
  }

  /** Restores a point as a new VM (not started) into a directory of the guest's own; returns the active image. */
  static Path restore(TestGuest guest, BackupResult point, String suffix, boolean flatten) {
    String copy = guest.name() + "-" + suffix;
    Path target = guest.dir().resolve("restored-" + suffix);
    List<String> arguments = new ArrayList<>(List.of("restore", guest.name(), point.backupId(), "--as", copy,
        "--target-dir", target.toString(), "--no-start", "--json"));
    if (flatten) {
      arguments.add("--flatten");
    }
    try {
      CliResult restore = cli(arguments.toArray(String[]::new));
      assertThat(restore.exitCode()).as(restore.toString()).isZero();
      Path active = target.resolve(copy + "-vda.qcow2");
      assertThat(Invariants.blockList(copy, true)).containsEntry("vda", active.toString());
      return active;
    } finally {
      Commands.tryVirsh("undefine", copy, "--nvram");
    }
  }
}
