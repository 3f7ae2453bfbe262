package dev.vmbackup.activities;

import static dev.vmbackup.activities.ChainFixtures.activeImage;
import static dev.vmbackup.activities.ChainFixtures.chain;
import static dev.vmbackup.activities.ChainFixtures.definedImage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vmbackup.host.guest.TinyGuest.Disk;
import dev.vmbackup.host.repository.FileRepositories;
import dev.vmbackup.host.repository.FileRepository;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.GuestRecord;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.workflows.activities.ChainActivities;
import dev.vmbackup.workflows.activities.SnapshotActivities;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.ChainState;
import dev.vmbackup.workflows.model.ChainStateRequest;
import dev.vmbackup.workflows.model.ConsolidateRequest;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.DiskOverlay;
import dev.vmbackup.workflows.model.SnapshotRequest;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.Verification;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Chain snapshots and consolidation against the real libvirtd and a running test guest that writes
 * all the time: the VM ends on the newest overlay in its live and persistent definition, consolidation
 * commits the layers below it while the guest writes, re-attaches to a commit that runs already, works
 * on a shut-off VM, and refuses a chain changed outside vmbackup without touching it.
 */
class ChainActivitiesTest {
  private static ChainFixtures host;
  private static SnapshotActivities snapshot;
  private static ChainActivities chain;

  @BeforeAll
  static void connect() {
    TestHost.requireReady();
    host = new ChainFixtures();
    OverlayMerger merger = new OverlayMerger(host.hypervisor, host.images, 0);
    host.env.registerActivitiesImplementations(
        new SnapshotActivitiesImpl(host.hypervisor, merger),
        new ChainActivitiesImpl(new FileRepositories(), host.hypervisor, host.images, 0));
    snapshot = host.stub(SnapshotActivities.class);
    chain = host.stub(ChainActivities.class);
  }

  @AfterAll
  static void disconnect() {
    if (host != null) {
      host.close();
    }
  }

  /** Takes a chain snapshot as strategy chain plans it and returns the new overlay. */
  private static String chainSnapshot(TestGuest guest, String backupId, DomainState state) throws Exception {
    String image = guest.diskPath("vda").toString();
    String top = activeImage(guest.name(), "vda");
    String overlay = image + ".vmbackup-chain-" + backupId + ".qcow2";
    Path partial = Files.createDirectories(guest.dir().resolve("partial-" + backupId));
    snapshot.createExternalSnapshot(new SnapshotRequest(guest.name(), backupId, CaptureMode.CRASH, false,
        List.of(new DiskOverlay("vda", top, "qcow2", overlay)), partial.toString(), null, state));
    return overlay;
  }

  @Test
  void chainSnapshotsLeaveTheVmOnTheNewestOverlayInItsLiveAndPersistentDefinition() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainsnap").churnKiB(64).create()) {
      String image = guest.diskPath("vda").toString();
      String first = chainSnapshot(guest, "20261120T010000Z", DomainState.RUNNING);
      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
      String second = chainSnapshot(guest, "20261120T020000Z", DomainState.RUNNING);

      assertThat(activeImage(guest.name(), "vda")).isEqualTo(second);
      assertThat(definedImage(guest.name(), "vda")).as("the persistent definition follows").isEqualTo(second);
      assertThat(chain(second)).containsExactly(second, first, image);
      assertThat(Commands.virsh("snapshot-list", guest.name(), "--name").trim()).isEmpty();
      // The frozen layer holds what the guest wrote between the two snapshots: a few records' churn.
      assertThat(Files.size(Path.of(first))).isGreaterThan(64 * 1024);
      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
    }
  }

  @Test
  void consolidationCommitsTheLayersBelowTheActiveOverlayWhileTheGuestWrites() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainconsol").disk(Disk.qcow2("vda").withBallast(16)).churnKiB(128)
        .create()) {
      String image = guest.diskPath("vda").toString();
      List<String> overlays = new ArrayList<>();
      for (String id : List.of("20261120T010000Z", "20261120T020000Z", "20261120T030000Z")) {
        overlays.add(chainSnapshot(guest, id, DomainState.RUNNING));
        guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
      }
      String top = overlays.get(2);
      GuestRecord before = guest.console().last().orElseThrow();

      chain.consolidate(new ConsolidateRequest(guest.name(), List.of(
          new ConsolidateRequest.Disk("vda", top, List.of(overlays.get(1), overlays.get(0)), image))));

      assertThat(guest.state()).isEqualTo("running");
      assertThat(activeImage(guest.name(), "vda")).isEqualTo(top);
      assertThat(definedImage(guest.name(), "vda")).isEqualTo(top);
      assertThat(chain(top)).containsExactly(top, image);
      assertThat(Files.exists(Path.of(overlays.get(0)))).as("committed layers are deleted").isFalse();
      assertThat(Files.exists(Path.of(overlays.get(1)))).isFalse();
      assertThat(ChainFixtures.hasBlockJob(guest.name(), "vda")).isFalse();
      GuestRecord after = guest.console().waitForNewRecords(5, Duration.ofSeconds(60));
      assertThat(after.boot()).as("the guest kept running").isEqualTo(before.boot());

      // Nothing was lost: the disk holds every record up to the moment the VM stopped, unbroken.
      Commands.virsh("destroy", guest.name());
      DiskContent content = DiskContent.read(Path.of(top), "qcow2").assertIntact();
      assertThat(content.last().sequence()).isGreaterThanOrEqualTo(after.sequence() - 1);

      // Running again is a second consolidation: nothing left to do, and it says so by succeeding.
      chain.consolidate(new ConsolidateRequest(guest.name(), List.of(
          new ConsolidateRequest.Disk("vda", top, List.of(overlays.get(1), overlays.get(0)), image))));
      assertThat(chain(top)).containsExactly(top, image);
    }
  }

  @Test
  void consolidationReattachesToACommitThatRunsAlready() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainreatt").churnKiB(256).create()) {
      String image = guest.diskPath("vda").toString();
      String first = chainSnapshot(guest, "20261120T010000Z", DomainState.RUNNING);
      guest.console().waitForNewRecords(15, Duration.ofSeconds(90));
      String second = chainSnapshot(guest, "20261120T020000Z", DomainState.RUNNING);
      // An attempt that died left this commit running, slowly.
      Commands.virsh("blockcommit", guest.name(), "vda", "--top", first, "--base", image, "--bandwidth", "1");
      assertThat(ChainFixtures.hasBlockJob(guest.name(), "vda")).isTrue();

      chain.consolidate(new ConsolidateRequest(guest.name(), List.of(
          new ConsolidateRequest.Disk("vda", second, List.of(first), image))));

      assertThat(chain(second)).containsExactly(second, image);
      assertThat(Files.exists(Path.of(first))).isFalse();
      assertThat(guest.state()).isEqualTo("running");
    }
  }

  @Test
  void aChainChangedOutsideVmbackupIsNotConsolidatedAndTheVmKeepsRunningOnIt() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainchg").create()) {
      String image = guest.diskPath("vda").toString();
      String first = chainSnapshot(guest, "20261120T010000Z", DomainState.RUNNING);
      String second = chainSnapshot(guest, "20261120T020000Z", DomainState.RUNNING);

      Throwable refused = catchThrowable(() -> chain.consolidate(new ConsolidateRequest(guest.name(), List.of(
          new ConsolidateRequest.Disk("vda", second, List.of("/elsewhere/layer.qcow2"), image)))));

      assertThat(refused).isInstanceOf(ActivityFailure.class);
      assertThat(((ApplicationFailure) refused.getCause()).getType()).isEqualTo("DISK_CHAIN_CHANGED");
      assertThat(chain(second)).containsExactly(second, first, image);
      assertThat(Files.exists(Path.of(first))).isTrue();
      assertThat(guest.state()).isEqualTo("running");
    }
  }

  @Test
  void aShutOffVmIsConsolidatedWithQemuImgAndItsDefinitionFollows() throws Exception {
    try (TestGuest guest = TestGuest.builder("chainoff").churnKiB(64).create()) {
      String image = guest.diskPath("vda").toString();
      String first = chainSnapshot(guest, "20261120T010000Z", DomainState.RUNNING);
      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
      String second = chainSnapshot(guest, "20261120T020000Z", DomainState.RUNNING);
      guest.console().waitForNewRecords(3, Duration.ofSeconds(60));
      Commands.virsh("destroy", guest.name());
      // A chain snapshot of the shut-off VM: its definition moves onto the next overlay.
      String third = chainSnapshot(guest, "20261120T030000Z", DomainState.SHUTOFF);
      assertThat(definedImage(guest.name(), "vda")).isEqualTo(third);
      DiskContent before = DiskContent.read(Path.of(third), "qcow2").assertIntact();

      chain.consolidate(new ConsolidateRequest(guest.name(), List.of(
          new ConsolidateRequest.Disk("vda", third, List.of(second, first), image))));

      assertThat(chain(third)).containsExactly(third, image);
      assertThat(Files.exists(Path.of(first))).isFalse();
      assertThat(Files.exists(Path.of(second))).isFalse();
      assertThat(DiskContent.read(Path.of(third), "qcow2").assertIntact().records()).isEqualTo(before.records());
      // It boots from the consolidated chain and goes on writing.
      guest.start();
      assertThat(activeImage(guest.name(), "vda")).isEqualTo(third);
    }
  }

  @Test
  void theChainStateNamesTheNewestChainBackupAndAnyGapBelowIt() throws Exception {
    Path dir = TestHost.scratchDir("chainstate");
    try {
      Path repository = dir.resolve("repository");
      FileRepository files = new FileRepository(repository);
      publish(files, "20261120T010000Z", null, Strategy.CHAIN);
      publish(files, "20261120T020000Z", "20261120T010000Z", Strategy.CHAIN);
      publish(files, "20261120T030000Z", null, Strategy.FULL);
      Path image = dir.resolve("vda.qcow2");
      Commands.ok("qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "96M");
      ChainStateRequest request = new ChainStateRequest(repository.toString(), "vm1",
          List.of(new DiskInfo("vda", image.toString(), "qcow2", List.of())));

      ChainState state = chain.readChainState(request);
      assertThat(state.head().backupId()).as("the newest chain backup, not the newer full one")
          .isEqualTo("20261120T020000Z");
      assertThat(state.headProblems()).isEmpty();
      assertThat(state.virtualSizes()).containsEntry("vda", 96L << 20);

      TestHost.deleteRecursively(repository.resolve("vm1").resolve("20261120T010000Z"));
      assertThat(chain.readChainState(request).headProblems())
          .containsExactly("backup 20261120T020000Z builds on backup 20261120T010000Z, which is missing");
    } finally {
      TestHost.deleteRecursively(dir);
    }
  }

  private static void publish(FileRepository repository, String id, String parent, Strategy strategy) {
    var prepared = repository.prepare("vm1", id, "test");
    repository.writeManifest(Path.of(prepared.partialDir()), new Manifest(Manifest.FORMAT_VERSION, "vm1", "u", "h",
        id, "2026-11-20T01:00:00Z", "2026-11-20T01:01:00Z", strategy, CaptureMode.CRASH, CaptureMode.CRASH,
        List.of(), List.of(), null, null, null, new Verification("2026-11-20T01:02:00Z", true), parent, null));
    repository.publish("vm1", id);
  }
}
