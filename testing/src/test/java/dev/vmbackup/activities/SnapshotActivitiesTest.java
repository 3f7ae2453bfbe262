package dev.vmbackup.activities;

import static dev.vmbackup.activities.ActivityHarness.BACKUP_ID;
import static dev.vmbackup.activities.ActivityHarness.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.GuestRecord;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.SnapshotActivities;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.DiskOverlay;
import dev.vmbackup.workflows.model.SnapshotRequest;
import dev.vmbackup.workflows.model.SnapshotResult;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The external snapshot of a backup and its compensation, on a real guest. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SnapshotActivitiesTest {
  private static final Duration RECORDS = Duration.ofSeconds(60);

  private ActivityHarness harness;
  private SnapshotActivities snapshots;

  @BeforeEach
  void setUp() {
    ActivityHarness.requireHost();
    harness = new ActivityHarness("snapshot");
    OverlayMerger merger = new OverlayMerger(harness.hypervisor, harness.images, 0);
    harness.env.registerActivitiesImplementations(new SnapshotActivitiesImpl(harness.hypervisor, merger));
    snapshots = harness.stub(SnapshotActivities.class);
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  @Test
  void createPutsTheVmOnTheOverlayOnceAndARetryReportsTheFirstOutcome() {
    try (TestGuest guest = TestGuest.builder("snap").create()) {
      SnapshotRequest plan = plan(guest, CaptureMode.QUIESCE, true);
      String image = image(plan);
      String overlay = overlay(plan);

      SnapshotResult first = snapshots.createExternalSnapshot(plan);

      assertThat(first.capture()).isEqualTo(CaptureMode.QUIESCE);
      assertThat(first.warnings()).isEmpty();
      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(overlay);
      assertThat(Domains.snapshotNames(guest.name())).as("no libvirt snapshot metadata").isEmpty();
      assertThat(guest.filesystemsFrozen()).as("the guest is thawed again").isFalse();
      guest.console().waitForNewRecords(3, RECORDS);

      // A retry (the first attempt's report was lost) must not stack a second overlay on the first.
      SnapshotResult again = snapshots.createExternalSnapshot(plan);

      assertThat(again).as("the first attempt's outcome, from its record").isEqualTo(first);
      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(overlay);
      assertThat(Domains.backingChain(Path.of(overlay))).containsExactly(overlay, image);
      assertThat(Domains.snapshotNames(guest.name())).isEmpty();

      // Without that record a retry cannot know the guest was frozen, and must not claim it was.
      SnapshotResult unrecorded = withoutMarker(plan, () -> snapshots.createExternalSnapshot(plan));
      assertThat(unrecorded.capture()).isEqualTo(CaptureMode.CRASH);
      assertThat(unrecorded.warnings()).hasSize(1);
      assertThat(Domains.backingChain(Path.of(overlay))).containsExactly(overlay, image);

      snapshots.revertExternalSnapshot(plan);
      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(image);
    }
  }

  @Test
  void revertReturnsTheVmToItsImageAndKeepsWhatItWroteOnTheOverlay() {
    try (TestGuest guest = TestGuest.builder("revert").create()) {
      SnapshotRequest plan = plan(guest, CaptureMode.QUIESCE, true);
      String image = image(plan);
      String overlay = overlay(plan);
      snapshots.createExternalSnapshot(plan);
      GuestRecord atSnapshot = guest.console().last().orElseThrow();
      // Records written from now on exist only in the overlay until the revert commits them.
      GuestRecord beforeRevert = guest.console().waitForNewRecords(10, RECORDS);

      snapshots.revertExternalSnapshot(plan);

      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(image);
      assertThat(Domains.diskSource(guest.name(), "vda", true)).as("persistent definition").isEqualTo(image);
      assertThat(Path.of(overlay)).doesNotExist();
      assertThat(SnapshotActivitiesImpl.marker(plan)).doesNotExist();
      assertThat(Domains.hasBlockJob(guest.name(), "vda")).isFalse();
      assertThat(Domains.snapshotNames(guest.name())).isEmpty();
      assertThat(Domains.state(guest.name())).isEqualTo("running");
      GuestRecord afterRevert = guest.console().waitForNewRecords(3, RECORDS);
      assertThat(afterRevert.boot()).as("the guest kept running, no reboot").isEqualTo(atSnapshot.boot());

      Commands.virsh("destroy", guest.name());
      DiskContent disk = DiskContent.read(Path.of(image), "qcow2").assertIntact();
      assertThat(beforeRevert.sequence()).isGreaterThan(atSnapshot.sequence());
      assertThat(disk.last().boot()).isEqualTo(atSnapshot.boot());
      // Intact means no gap in the log: everything written on the overlay was committed into the image.
      assertThat(disk.records()).as("the overlay's records are in the image").contains(beforeRevert);
      assertThat(disk.last().sequence()).isGreaterThanOrEqualTo(beforeRevert.sequence());
    }
  }

  @Test
  void revertOfASnapshotThatNeverHappenedLeavesTheVmAlone() throws IOException {
    try (TestGuest guest = TestGuest.builder("norevert").create()) {
      SnapshotRequest plan = plan(guest, CaptureMode.CRASH, true);
      String image = image(plan);
      String definitionBefore = Commands.virsh("dumpxml", "--inactive", guest.name());
      GuestRecord before = guest.console().last().orElseThrow();
      Path unrelated = Files.writeString(harness.dir.resolve("domain.xml"), "kept");

      snapshots.revertExternalSnapshot(plan);

      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(image);
      assertThat(Commands.virsh("dumpxml", "--inactive", guest.name())).isEqualTo(definitionBefore);
      assertThat(Path.of(image)).exists();
      assertThat(Domains.hasBlockJob(guest.name(), "vda")).isFalse();
      assertThat(Domains.state(guest.name())).isEqualTo("running");
      assertThat(guest.console().waitForNewRecords(3, RECORDS).boot()).isEqualTo(before.boot());
      assertThat(unrelated).as("other files of the partial directory").hasContent("kept");
    }
  }

  @Test
  void revertThawsAndResumesAGuestAnInterruptedSnapshotLeftFrozenAndPaused() {
    try (TestGuest guest = TestGuest.builder("frozen").create()) {
      SnapshotRequest plan = plan(guest, CaptureMode.QUIESCE, true);
      GuestRecord before = guest.console().last().orElseThrow();
      // What a quiesced snapshot leaves when libvirtd dies between freezing and resuming.
      Commands.virsh("domfsfreeze", guest.name());
      Commands.virsh("suspend", guest.name());

      snapshots.revertExternalSnapshot(plan);

      assertThat(Domains.state(guest.name())).isEqualTo("running");
      assertThat(guest.filesystemsFrozen()).isFalse();
      GuestRecord after = guest.console().waitForNewRecords(3, RECORDS);
      assertThat(after.boot()).isEqualTo(before.boot());
      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(image(plan));
    }
  }

  @Test
  void revertLeavesAGuestPausedThatWasPausedBeforeTheBackup() {
    try (TestGuest guest = TestGuest.builder("paused").create()) {
      SnapshotRequest running = plan(guest, CaptureMode.CRASH, true);
      SnapshotRequest plan = new SnapshotRequest(running.domain(), running.backupId(), running.capture(),
          running.agentAvailable(), running.overlays(), running.partialDir(), null, DomainState.PAUSED);
      Commands.virsh("suspend", guest.name());

      snapshots.revertExternalSnapshot(plan);

      assertThat(Domains.state(guest.name())).isEqualTo("paused");
    }
  }

  @Test
  void aLeftoverOverlayOfAFailedAttemptIsReplaced() throws IOException {
    try (TestGuest guest = TestGuest.builder("leftover").create()) {
      SnapshotRequest plan = plan(guest, CaptureMode.CRASH, true);
      String image = image(plan);
      String overlay = overlay(plan);
      // An attempt that created the file and died before libvirt switched the VM onto it.
      Files.writeString(Path.of(overlay), "half-written overlay of an attempt that died");

      SnapshotResult result = snapshots.createExternalSnapshot(plan);

      assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(overlay);
      assertThat(Domains.backingChain(Path.of(overlay))).containsExactly(overlay, image);
      guest.console().waitForNewRecords(3, RECORDS);

      snapshots.revertExternalSnapshot(plan);
      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(image);
      assertThat(Path.of(overlay)).doesNotExist();
    }
  }

  @Test
  void aQuiescedSnapshotWithoutAnAgentFallsBackToCrashConsistent() {
    // Inspection found the agent, but it is gone by the time of the snapshot.
    try (TestGuest guest = TestGuest.builder("noagent").withoutAgent().create()) {
      SnapshotRequest plan = plan(guest, CaptureMode.QUIESCE, true);

      SnapshotResult result = snapshots.createExternalSnapshot(plan);

      assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
      assertThat(result.warnings()).singleElement().asString().contains("crash-consistent");
      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(overlay(plan));
      assertThat(Domains.backingChain(Path.of(overlay(plan)))).containsExactly(overlay(plan), image(plan));

      snapshots.revertExternalSnapshot(plan);
      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(image(plan));
    }
  }

  @Test
  void aShutOffOrMissingDomainIsNotSnapshotted() {
    try (TestGuest guest = TestGuest.builder("snapoff").shutOff().create()) {
      SnapshotRequest plan = plan(guest, CaptureMode.CRASH, false);

      ApplicationFailure stopped = failureOf(() -> snapshots.createExternalSnapshot(plan));

      assertThat(stopped.getType()).isEqualTo(FailureType.DOMAIN_STATE.name());
      assertThat(stopped.isNonRetryable()).isTrue();
      assertThat(Domains.diskSource(guest.name(), "vda", true)).isEqualTo(image(plan));
      assertThat(Path.of(overlay(plan))).doesNotExist();
    }
    SnapshotRequest missing = new SnapshotRequest("vmbt-no-such-domain", BACKUP_ID, CaptureMode.CRASH, false, List.of(),
        harness.dir.toString(), null, DomainState.RUNNING);
    ApplicationFailure gone = failureOf(() -> snapshots.createExternalSnapshot(missing));
    assertThat(gone.getType()).isEqualTo(FailureType.DOMAIN_NOT_FOUND.name());
    assertThat(gone.isNonRetryable()).isTrue();
  }

  private SnapshotRequest plan(TestGuest guest, CaptureMode capture, boolean agentAvailable) {
    String image = guest.diskPath("vda").toString();
    DiskOverlay overlay = new DiskOverlay("vda", image, "qcow2", image + ".vmbackup-" + BACKUP_ID + ".qcow2");
    return new SnapshotRequest(guest.name(), BACKUP_ID, capture, agentAvailable, List.of(overlay),
        harness.dir.toString(), null, DomainState.RUNNING);
  }

  private static String image(SnapshotRequest plan) {
    return plan.overlays().get(0).image();
  }

  private static String overlay(SnapshotRequest plan) {
    return plan.overlays().get(0).overlay();
  }

  /** Runs the call with the snapshot's record moved away, then puts it back. */
  private static SnapshotResult withoutMarker(SnapshotRequest plan, Supplier<SnapshotResult> call) {
    Path marker = SnapshotActivitiesImpl.marker(plan);
    Path aside = marker.resolveSibling("marker.aside");
    try {
      Files.move(marker, aside);
      try {
        return call.get();
      } finally {
        Files.move(aside, marker);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
