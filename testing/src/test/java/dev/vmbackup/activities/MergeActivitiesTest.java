package dev.vmbackup.activities;

import static dev.vmbackup.activities.ActivityHarness.BACKUP_ID;
import static dev.vmbackup.activities.ActivityHarness.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.hypervisor.BlockJob;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.GuestRecord;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.MergeActivities;
import dev.vmbackup.workflows.model.MergeRequest;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Folding an overlay back, in the states a killed worker leaves behind: the snapshot and the commit
 * job are made by hand with virsh, the way an earlier attempt would have left them.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MergeActivitiesTest {
  private static final Duration RECORDS = Duration.ofSeconds(60);

  private ActivityHarness harness;
  private MergeActivities merges;

  @BeforeEach
  void setUp() {
    ActivityHarness.requireHost();
    harness = new ActivityHarness("merge");
    harness.env.registerActivitiesImplementations(
        new MergeActivitiesImpl(new OverlayMerger(harness.hypervisor, harness.images, 0)));
    merges = harness.stub(MergeActivities.class);
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  @Test
  void aLimitedMergeThatCannotCatchUpWithTheGuestLiftsItsLimitAndFinishes() {
    // 512 KiB per record is about 2.5 MiB/s of new data: a commit held to 1 MiB/s never gets ready.
    try (TestGuest guest = TestGuest.builder("stall").churnKiB(512).create()) {
      MergeRequest request = request(guest);
      snapshotByHand(guest, request.overlay());
      guest.console().waitForNewRecords(10, RECORDS);
      TestActivityEnvironment env = TestActivityEnvironment.newInstance();
      try {
        env.registerActivitiesImplementations(new MergeActivitiesImpl(
            new OverlayMerger(harness.hypervisor, harness.images, 1L << 20, 5_000)));

        env.newActivityStub(MergeActivities.class, ActivityHarness.OPTIONS).blockCommit(request);

        assertOnBase(guest, request);
        guest.console().waitForNewRecords(3, RECORDS);
      } finally {
        env.close();
      }
    }
  }

  @Test
  void blockCommitFinishesTheCommitAKilledWorkerStarted() {
    // The guest rewrites 64 KiB per record, about 1.3 MiB/s of new data on the overlay: more than
    // the 1 MiB/s the commit was started with, so the job cannot be ready when the activity finds it.
    try (TestGuest guest = TestGuest.builder("reattach").churnKiB(64).create()) {
      MergeRequest request = request(guest);
      snapshotByHand(guest, request.overlay());
      GuestRecord onOverlay = guest.console().waitForNewRecords(25, RECORDS);
      // Started as the worker would have, then abandoned: no --pivot, no --wait.
      Commands.virsh("blockcommit", guest.name(), "vda", "--active", "--shallow", "--bandwidth", "1");
      assertThat(Domains.hasBlockJob(guest.name(), "vda")).isTrue();
      // Once the activity waits on the job (its first heartbeat), the limit is lifted so the job can finish.
      List<BlockJob> progress = new CopyOnWriteArrayList<>();
      harness.env.setActivityHeartbeatListener(BlockJob.class, job -> {
        if (progress.isEmpty()) {
          Commands.tryVirsh("blockjob", guest.name(), "vda", "--bandwidth", "0");
        }
        progress.add(job);
      });

      merges.blockCommit(request);

      assertThat(progress).as("it waited on the running job, heartbeating its progress").isNotEmpty();
      assertThat(progress.get(0).ready()).isFalse();
      assertOnBase(guest, request);
      assertThat(Domains.state(guest.name())).isEqualTo("running");

      // A retry after the merge finished, its report lost.
      GuestRecord beforeRetry = guest.console().waitForNewRecords(3, RECORDS);
      merges.blockCommit(request);

      assertOnBase(guest, request);
      assertThat(Domains.state(guest.name())).isEqualTo("running");
      GuestRecord seen = guest.console().waitForNewRecords(3, RECORDS);
      assertThat(seen.boot()).isEqualTo(beforeRetry.boot());

      Commands.virsh("destroy", guest.name());
      DiskContent disk = DiskContent.read(Path.of(request.base()), "qcow2").assertIntact();
      assertThat(disk.records()).as("what the VM wrote on the overlay").contains(onOverlay);
      assertThat(disk.last().sequence()).isGreaterThanOrEqualTo(seen.sequence());
    }
  }

  @Test
  void blockCommitStartsTheCommitItselfWhenNoJobRuns() {
    try (TestGuest guest = TestGuest.builder("nojob").create()) {
      MergeRequest request = request(guest);
      snapshotByHand(guest, request.overlay());
      GuestRecord seen = guest.console().waitForNewRecords(10, RECORDS);

      merges.blockCommit(request);

      assertOnBase(guest, request);
      Commands.virsh("destroy", guest.name());
      DiskContent disk = DiskContent.read(Path.of(request.base()), "qcow2").assertIntact();
      assertThat(disk.records()).as("what the VM wrote on the overlay").contains(seen);
    }
  }

  @Test
  void aDiskOnNeitherOverlayNorBaseIsLeftAlone() {
    try (TestGuest guest = TestGuest.builder("otherchain").create()) {
      MergeRequest request = request(guest);
      // Someone else's snapshot, taken outside vmbackup.
      String theirs = request.base() + ".theirs.qcow2";
      snapshotByHand(guest, theirs);

      ApplicationFailure failure = failureOf(() -> merges.blockCommit(request));

      assertThat(failure.getType()).isEqualTo(FailureType.DISK_CHAIN_CHANGED.name());
      assertThat(failure.isNonRetryable()).isTrue();
      assertThat(failure.getOriginalMessage()).contains(theirs);
      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(theirs);
      assertThat(Domains.hasBlockJob(guest.name(), "vda")).isFalse();
      assertThat(Path.of(theirs)).exists();
      assertThat(Domains.state(guest.name())).isEqualTo("running");
    }
  }

  @Test
  void aVmStoppedOnItsOverlayIsCommittedOffline() {
    try (TestGuest guest = TestGuest.builder("offline").create()) {
      MergeRequest request = request(guest);
      snapshotByHand(guest, request.overlay());
      GuestRecord seen = guest.console().waitForNewRecords(10, RECORDS);
      Commands.virsh("destroy", guest.name());
      assertThat(Domains.diskSource(guest.name(), "vda", true)).isEqualTo(request.overlay());

      merges.blockCommit(request);

      assertThat(Domains.diskSource(guest.name(), "vda", true)).isEqualTo(request.base());
      assertThat(Path.of(request.overlay())).doesNotExist();
      assertThat(Domains.state(guest.name())).as("the merge does not start the VM").isEqualTo("shut off");
      DiskContent disk = DiskContent.read(Path.of(request.base()), "qcow2").assertIntact();
      assertThat(disk.last().boot()).isEqualTo(seen.boot());
      assertThat(disk.last().sequence()).as("what the VM wrote on the overlay").isGreaterThanOrEqualTo(
          seen.sequence());

      merges.blockCommit(request);
      assertThat(Domains.diskSource(guest.name(), "vda", true)).isEqualTo(request.base());

      // The definition is usable: the VM boots from its base image again.
      guest.start();
      assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(request.base());
    }
  }

  @Test
  void aPivotAnotherAttemptMadeFirstIsNoFailure() {
    // Two attempts of the same merge (one of them a zombie the server gave up on): the other one
    // pivots between this one's look at the job and its own pivot.
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try (TestGuest guest = TestGuest.builder("race").create()) {
      MergeRequest request = request(guest);
      snapshotByHand(guest, request.overlay());
      GuestRecord seen = guest.console().waitForNewRecords(5, RECORDS);
      env.registerActivitiesImplementations(new MergeActivitiesImpl(
          new OverlayMerger(pivotedMeanwhile(harness.hypervisor), harness.images, 0)));

      env.newActivityStub(MergeActivities.class, ActivityHarness.OPTIONS).blockCommit(request);

      assertOnBase(guest, request);
      Commands.virsh("destroy", guest.name());
      DiskContent disk = DiskContent.read(Path.of(request.base()), "qcow2").assertIntact();
      assertThat(disk.records()).as("what the VM wrote on the overlay").contains(seen);
    } finally {
      env.close();
    }
  }

  private static MergeRequest request(TestGuest guest) {
    String image = guest.diskPath("vda").toString();
    return new MergeRequest(guest.name(), "vda", image + ".vmbackup-" + BACKUP_ID + ".qcow2", image, "qcow2");
  }

  /** The snapshot a backup takes, taken with virsh. */
  private static void snapshotByHand(TestGuest guest, String overlay) {
    Commands.virsh("snapshot-create-as", guest.name(), "--disk-only", "--atomic", "--no-metadata",
        "--diskspec", "vda,file=" + overlay);
    assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(overlay);
  }

  private static void assertOnBase(TestGuest guest, MergeRequest request) {
    assertThat(Domains.diskSource(guest.name(), "vda")).isEqualTo(request.base());
    assertThat(Domains.diskSource(guest.name(), "vda", true)).as("persistent definition").isEqualTo(request.base());
    assertThat(Path.of(request.overlay())).doesNotExist();
    assertThat(Domains.hasBlockJob(guest.name(), "vda")).isFalse();
    assertThat(Domains.backingChain(Path.of(request.base()))).containsExactly(request.base());
  }

  /** Libvirt, except that every pivot is first made by someone else, with virsh. */
  private static Hypervisor pivotedMeanwhile(Hypervisor libvirt) {
    return (Hypervisor) java.lang.reflect.Proxy.newProxyInstance(Hypervisor.class.getClassLoader(),
        new Class<?>[] {Hypervisor.class}, (proxy, method, arguments) -> {
          if (method.getName().equals("pivot")) {
            Commands.virsh("blockjob", (String) arguments[0], (String) arguments[1], "--pivot");
          }
          try {
            return method.invoke(libvirt, arguments);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
