package dev.vmbackup.activities;

import static dev.vmbackup.activities.IncrementalHarness.checkpointNames;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.activities.IncrementalHarness.Taken;
import dev.vmbackup.host.guest.TinyGuest;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.model.CheckpointDeletion;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.IncrementalDecision;
import dev.vmbackup.workflows.model.PruneCheckpointsRequest;
import dev.vmbackup.workflows.model.Strategy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Whether a chain goes on, judged against a real guest whose checkpoints, bitmaps and disks are
 * changed behind vmbackup's back with virsh and qemu-img; and the deletion of checkpoints in every
 * state they can be in.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class CheckpointActivitiesTest {
  private IncrementalHarness harness;

  @BeforeEach
  void setUp() {
    IncrementalHarness.requireHost();
    harness = new IncrementalHarness("checkpoints");
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  @Test
  void anIntactChainGoesOnFromTheNewestCheckpoint() {
    try (TestGuest guest = TestGuest.builder("cp-intact").create()) {
      Taken full = harness.backup(guest, Strategy.INCREMENTAL);
      assertThat(full.decision().full()).isTrue();
      assertThat(full.decision().reason()).isNull();
      assertThat(checkpointNames(guest.name())).containsExactly("vmbackup-" + full.manifest().backupId());

      IncrementalDecision next = harness.plan(harness.inspect(guest), Strategy.INCREMENTAL);

      assertThat(next.full()).isFalse();
      assertThat(next.parentBackupId()).isEqualTo(full.manifest().backupId());
      assertThat(next.incrementalFrom()).isEqualTo("vmbackup-" + full.manifest().backupId());
      assertThat(next.disks()).singleElement().satisfies(disk -> assertThat(disk.parentFile()).isEqualTo("vda.qcow2"));
    }
  }

  @Test
  void aCheckpointDeletedBehindVmbackupsBackStartsANewFullBackup() {
    try (TestGuest guest = TestGuest.builder("cp-stale").create()) {
      Taken full = harness.backup(guest, Strategy.INCREMENTAL);
      String checkpoint = full.manifest().checkpoint();
      Commands.virsh("checkpoint-delete", guest.name(), checkpoint);

      IncrementalDecision next = harness.plan(harness.inspect(guest), Strategy.INCREMENTAL);

      assertThat(next.full()).isTrue();
      assertThat(next.reason()).isEqualTo("checkpoint " + checkpoint + " of backup " + full.manifest().backupId()
          + " no longer exists in libvirt");
    }
  }

  @Test
  void aBitmapQemuLostStartsANewFullBackupAndItsCheckpointCanStillBeDeleted() {
    try (TestGuest guest = TestGuest.builder("cp-bitmap").create()) {
      Taken full = harness.backup(guest, Strategy.INCREMENTAL);
      String checkpoint = full.manifest().checkpoint();
      // As if the image had been replaced, or QEMU had dropped an inconsistent bitmap.
      Commands.virsh("qemu-monitor-command", guest.name(), "{\"execute\":\"block-dirty-bitmap-remove\","
          + "\"arguments\":{\"node\":\"" + formatNode(guest) + "\",\"name\":\"" + checkpoint + "\"}}");

      IncrementalDecision next = harness.plan(harness.inspect(guest), Strategy.INCREMENTAL);

      assertThat(next.full()).isTrue();
      assertThat(next.reason()).isEqualTo("bitmap " + checkpoint + " of checkpoint " + checkpoint
          + " is missing on disk vda (" + guest.diskPath("vda") + ")");
      assertThat(next.staleCheckpoints()).containsExactly(checkpoint);
      // libvirt refuses to delete it whole (the bitmap is gone); its record goes anyway.
      assertThat(harness.checkpoints.deleteCheckpoints(new CheckpointDeletion(guest.name(), List.of(checkpoint))))
          .containsExactly(checkpoint);
      assertThat(checkpointNames(guest.name())).isEmpty();
    }
  }

  @Test
  void aBitmapMissingFromTheImageOfAShutOffVmStartsANewFullBackup() {
    try (TestGuest guest = TestGuest.builder("cp-offline").create()) {
      Taken full = harness.backup(guest, Strategy.INCREMENTAL);
      String checkpoint = full.manifest().checkpoint();
      Commands.virsh("destroy", guest.name());
      Commands.ok("qemu-img", "bitmap", "--remove", guest.diskPath("vda").toString(), checkpoint);

      IncrementalDecision offline = harness.plan(harness.inspect(guest), Strategy.INCREMENTAL);
      assertThat(offline.reason()).startsWith("bitmap " + checkpoint + " of checkpoint " + checkpoint + " is missing");
      guest.start();

      IncrementalDecision running = harness.plan(harness.inspect(guest), Strategy.INCREMENTAL);
      assertThat(running.full()).isTrue();
      assertThat(running.reason()).startsWith("bitmap " + checkpoint + " of checkpoint " + checkpoint + " is missing");
    }
  }

  @Test
  void aResizedDiskStartsANewFullBackup() {
    try (TestGuest guest = TestGuest.builder("cp-resize").create()) {
      Taken full = harness.backup(guest, Strategy.INCREMENTAL);
      Commands.virsh("blockresize", guest.name(), "vda", "96M");

      IncrementalDecision next = harness.plan(harness.inspect(guest), Strategy.INCREMENTAL);

      assertThat(next.full()).isTrue();
      assertThat(next.reason()).isEqualTo("disk vda was resized since backup " + full.manifest().backupId()
          + " (from " + (64L << 20) + " to " + (96L << 20) + " bytes)");
    }
  }

  @Test
  void anAddedDiskStartsANewFullBackup() {
    try (TestGuest guest = TestGuest.builder("cp-added").create()) {
      Taken full = harness.backup(guest, Strategy.INCREMENTAL);
      Path added = guest.dir().resolve("vdb.qcow2");
      Commands.ok("qemu-img", "create", "-q", "-f", "qcow2", added.toString(), "32M");
      // The tiny guest's PCI bus takes no hotplug: attached to the definition, then a restart.
      Commands.virsh("attach-disk", guest.name(), added.toString(), "vdb", "--driver", "qemu", "--subdriver",
          "qcow2", "--config");
      Commands.virsh("destroy", guest.name());
      guest.start();

      IncrementalDecision next = harness.plan(harness.inspect(guest), Strategy.INCREMENTAL);

      assertThat(next.full()).isTrue();
      assertThat(next.reason()).isEqualTo("disk vdb was added since backup " + full.manifest().backupId());
      assertThat(next.disks()).hasSize(2);
    }
  }

  @Test
  void aVmShutOffAndStartedAgainKeepsItsChain() {
    try (TestGuest guest = TestGuest.builder("cp-restart").create()) {
      Taken full = harness.backup(guest, Strategy.INCREMENTAL);
      // The tiny guest has no ACPI daemon: power it off; QEMU still closes the images and stores the bitmaps.
      Commands.virsh("destroy", guest.name());
      guest.start();

      IncrementalDecision next = harness.plan(harness.inspect(guest), Strategy.INCREMENTAL);

      assertThat(next.full()).as(String.valueOf(next.reason())).isFalse();
      assertThat(next.parentBackupId()).isEqualTo(full.manifest().backupId());
      Taken incremental = harness.backup(guest, Strategy.INCREMENTAL);
      assertThat(incremental.manifest().parentBackupId()).isEqualTo(full.manifest().backupId());
    }
  }

  @Test
  void pruningDeletesTheCheckpointsNoFutureBackupNeedsOnARunningAndOnAShutOffVm() {
    try (TestGuest guest = TestGuest.builder("cp-prune").create()) {
      Taken full = harness.backup(guest, Strategy.INCREMENTAL);
      Taken first = harness.backup(guest, Strategy.INCREMENTAL);
      // The third backup leaves the first incremental's checkpoint, which only the second needed.
      Taken second = harness.backup(guest, Strategy.INCREMENTAL);
      assertThat(checkpointNames(guest.name())).containsExactly(full.manifest().checkpoint(),
          first.manifest().checkpoint(), second.manifest().checkpoint());

      List<String> pruned = harness.checkpoints.pruneCheckpoints(
          new PruneCheckpointsRequest(guest.name(), harness.repository.toString()));

      assertThat(pruned).containsExactly(first.manifest().checkpoint());
      assertThat(checkpointNames(guest.name())).containsExactly(full.manifest().checkpoint(),
          second.manifest().checkpoint());

      // Retention deleted every backup while the VM was shut off: every checkpoint and bitmap goes.
      Commands.virsh("destroy", guest.name());
      TestHost.deleteRecursively(harness.repository.resolve(guest.name()));
      // No repository named: the host's default, which is the harness's.
      assertThat(harness.checkpoints.pruneCheckpoints(new PruneCheckpointsRequest(guest.name(), null)))
          .containsExactly(full.manifest().checkpoint(), second.manifest().checkpoint());
      assertThat(checkpointNames(guest.name())).isEmpty();
      assertThat(harness.images.bitmaps(guest.diskPath("vda"))).isEmpty();
    }
  }

  @Test
  void aRawDiskIsRefusedUnlessAFullCopyEveryTimeIsAllowed() {
    try (TestGuest guest = TestGuest.builder("cp-raw").disk(TinyGuest.Disk.qcow2("vda"))
        .disk(TinyGuest.Disk.raw("vdb")).create()) {
      DomainInfo domain = harness.inspect(guest);

      var failure = IncrementalHarness.failureOf(() -> harness.plan(domain, Strategy.INCREMENTAL));

      assertThat(failure.getType()).isEqualTo(FailureType.UNSUPPORTED_DISK.name());
      assertThat(failure.getOriginalMessage()).contains("vdb (raw " + guest.diskPath("vdb") + ")")
          .contains("--allow-full-fallback");
      IncrementalDecision allowed = harness.checkpoints.planIncrementalBackup(
          new dev.vmbackup.workflows.model.IncrementalDecisionRequest(domain, Strategy.INCREMENTAL, 7, true));
      assertThat(allowed.full()).isTrue();
      assertThat(allowed.checkpoints()).isFalse();
    }
  }

  @Test
  void checkpointsOfOtherToolsAreNeverDeleted() {
    try (TestGuest guest = TestGuest.builder("cp-foreign").create()) {
      Commands.virsh("checkpoint-create-as", guest.name(), "--name", "theirs");
      harness.backup(guest, Strategy.INCREMENTAL);

      var failure = IncrementalHarness.failureOf(() ->
          harness.checkpoints.deleteCheckpoints(new CheckpointDeletion(guest.name(), List.of("theirs"))));

      assertThat(failure.getType()).isEqualTo(FailureType.INVALID_INPUT.name());
      assertThat(harness.checkpoints.pruneCheckpoints(
          new PruneCheckpointsRequest(guest.name(), harness.repository.toString()))).isEmpty();
      assertThat(checkpointNames(guest.name())).contains("theirs");
      Commands.virsh("checkpoint-delete", guest.name(), "theirs");
    }
  }

  /** The node name of vda's qcow2 layer in QEMU, as libvirt named it. */
  private static String formatNode(TestGuest guest) {
    String json = Commands.virsh("qemu-monitor-command", guest.name(), "{\"execute\":\"query-block\"}");
    var matcher = java.util.regex.Pattern.compile("\"node-name\":\\s*\"(libvirt-\\d+-format)\"").matcher(json);
    assertThat(matcher.find()).as("a format node in %s", json).isTrue();
    return matcher.group(1);
  }

}
