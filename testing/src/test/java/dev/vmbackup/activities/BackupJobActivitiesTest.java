package dev.vmbackup.activities;

import static dev.vmbackup.activities.IncrementalHarness.backupJobRunning;
import static dev.vmbackup.activities.IncrementalHarness.checkpointNames;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.activities.IncrementalHarness.Taken;
import dev.vmbackup.host.guest.TinyGuest;
import dev.vmbackup.host.xml.BackupXml;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.model.BackupJobRequest;
import dev.vmbackup.workflows.model.BackupJobResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.CopyProgress;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.IncrementalDecision;
import dev.vmbackup.workflows.model.IncrementalDisk;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.Strategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The backup job against a real guest: what it writes, and every state an interrupted attempt leaves
 * behind (a job still running, a job that ended unobserved, a VM stopped mid-job), made by hand with
 * virsh the way a killed worker would have left it.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class BackupJobActivitiesTest {
  private static final Duration RECORDS = Duration.ofSeconds(90);
  /**
   * The data of a disk whose job a test starts by hand and then limits (10 or 5 MiB/s: 13 or 26 s). The
   * limit lands a few milliseconds after the start, during which the job copies at full speed; on a
   * loaded machine 48 MiB were once all copied in that moment, so the disk holds more.
   */
  private static final int JOB_BALLAST_MIB = 128;

  private IncrementalHarness harness;

  @BeforeEach
  void setUp() {
    IncrementalHarness.requireHost();
    harness = new IncrementalHarness("jobs");
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  @Test
  void eachPointOfAChainHoldsExactlyTheDiskAsItWasWhenItsJobStarted() throws IOException {
    try (TestGuest guest = TestGuest.builder("job-chain").disk(TinyGuest.Disk.qcow2("vda").withBallast(16))
        .churnKiB(64).create()) {
      Path previous = null;
      for (int point = 0; point < 3; point++) {
        guest.console().waitForNewRecords(10, RECORDS);
        // While the guest's filesystems are frozen its disk does not change: the reference copy and
        // the backup see the same content.
        Commands.virsh("domfsfreeze", guest.name());
        Path reference = harness.dir.resolve("reference-" + point + ".raw");
        Taken taken;
        try {
          Commands.ok("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", guest.diskPath("vda").toString(),
              reference.toString());
          taken = harness.backup(guest, Strategy.INCREMENTAL);
        } finally {
          Commands.virsh("domfsthaw", guest.name());
        }
        Path image = taken.dir().resolve("vda.qcow2");
        // The repository's own chain (relative backing references) reads as the disk did.
        Commands.ok("qemu-img", "compare", "-f", "raw", "-F", "qcow2", reference.toString(), image.toString());
        if (previous == null) {
          assertThat(taken.decision().full()).isTrue();
          assertThat(harness.imageTool.info(image).backingFilename()).isNull();
        } else {
          assertThat(taken.decision().full()).isFalse();
          assertThat(harness.imageTool.info(image).backingFilename())
              .isEqualTo("../" + taken.manifest().parentBackupId() + "/vda.qcow2");
          // Frozen, the parent's bitmap marks exactly what the job copied: the clusters written since.
          long dirty = IncrementalHarness.dirtyBytes(guest.name(), "vmbackup-" + taken.manifest().parentBackupId(),
              "vda").orElseThrow();
          assertThat(taken.job().bytesTransferred().get("vda")).isPositive().isLessThanOrEqualTo(dirty);
          System.out.printf("point %d: %d bytes transferred, the parent's bitmap marks %d bytes%n", point,
              taken.job().bytesTransferred().get("vda"), dirty);
          assertThat(taken.manifest().bytesTransferred()).isEqualTo(taken.job().totalTransferred());
        }
        assertThat(taken.manifest().disks()).singleElement()
            .satisfies(disk -> assertThat(disk.bitmap()).isEqualTo(taken.manifest().checkpoint()));
        assertThat(Files.getPosixFilePermissions(taken.dir())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        Files.delete(reference);
        previous = image;
      }
      assertThat(guest.filesystemsFrozen()).isFalse();
    }
  }

  @Test
  void aJobStillRunningIsReattachedTo() {
    try (TestGuest guest = TestGuest.builder("job-reattach")
        .disk(TinyGuest.Disk.qcow2("vda").withBallast(JOB_BALLAST_MIB))
        .create()) {
      Fixture fixture = fixture(guest);
      startByHand(guest, fixture.plan(), 10);
      assertThat(backupJobRunning(guest.name())).isTrue();
      List<CopyProgress> progress = new CopyOnWriteArrayList<>();
      harness.env.setActivityHeartbeatListener(CopyProgress.class, progress::add);

      BackupJobResult result = harness.jobs.runBackupJob(fixture.plan());

      assertThat(progress).as("it waited on the job, heartbeating its progress").isNotEmpty();
      assertThat(progress).anySatisfy(p -> assertThat(p.bytesDone()).isPositive().isLessThan(p.bytesTotal()));
      assertThat(backupJobRunning(guest.name())).isFalse();
      // Who froze what is unknown when another attempt started the job.
      assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
      assertThat(result.warnings()).singleElement().asString().contains("did not report back");
      assertThat(result.bytesTransferred().get("vda")).isGreaterThan((JOB_BALLAST_MIB - 8L) << 20);
      assertThat(checkpointNames(guest.name())).containsExactly(fixture.plan().checkpoint());
    }
  }

  @Test
  void aJobThatEndedUnobservedIsStartedAgainWithANewCheckpoint() {
    try (TestGuest guest = TestGuest.builder("job-unobserved").create()) {
      Fixture fixture = fixture(guest);
      startByHand(guest, fixture.plan(), 0);
      awaitJobEnd(guest);
      long before = creationTime(guest, fixture.plan().checkpoint());
      IncrementalHarness.sleep(1100);

      BackupJobResult result = harness.jobs.runBackupJob(fixture.plan());

      assertThat(result.capture()).isEqualTo(CaptureMode.CRASH);
      assertThat(result.warnings()).isEmpty();
      assertThat(checkpointNames(guest.name())).containsExactly(fixture.plan().checkpoint());
      assertThat(creationTime(guest, fixture.plan().checkpoint())).as("the checkpoint was made again").isGreaterThan(before);
      // A retry after the job completed and was seen complete reports it without a new job.
      assertThat(harness.jobs.runBackupJob(fixture.plan())).isEqualTo(result);
      assertThat(creationTime(guest, fixture.plan().checkpoint())).isGreaterThan(before);
    }
  }

  @Test
  void theCompensationAbortsTheJobAndDeletesItsCheckpointAndImages() {
    try (TestGuest guest = TestGuest.builder("job-abort")
        .disk(TinyGuest.Disk.qcow2("vda").withBallast(JOB_BALLAST_MIB))
        .create()) {
      Fixture fixture = fixture(guest);
      startByHand(guest, fixture.plan(), 5);

      harness.jobs.cancelBackupJob(fixture.plan());

      assertThat(backupJobRunning(guest.name())).isFalse();
      assertThat(checkpointNames(guest.name())).isEmpty();
      assertThat(Path.of(fixture.plan().disks().get(0).file())).doesNotExist();
      assertThat(guest.state()).isEqualTo("running");
      guest.console().waitForNewRecords(3, RECORDS);
      // Nothing left to undo: a second run changes nothing.
      harness.jobs.cancelBackupJob(fixture.plan());
    }
  }

  @Test
  void aVmStoppedMidJobFailsTheJobAndItsCheckpointAndBitmapAreRemovedOffline() {
    try (TestGuest guest = TestGuest.builder("job-destroyed")
        .disk(TinyGuest.Disk.qcow2("vda").withBallast(JOB_BALLAST_MIB))
        .create()) {
      Fixture fixture = fixture(guest);
      startByHand(guest, fixture.plan(), 5);
      Commands.virsh("destroy", guest.name());

      var failure = IncrementalHarness.failureOf(() -> harness.jobs.runBackupJob(fixture.plan()));
      assertThat(failure.getType()).isEqualTo(FailureType.DOMAIN_STATE.name());
      assertThat(harness.images.bitmaps(guest.diskPath("vda"))).containsKey(fixture.plan().checkpoint());

      harness.jobs.cancelBackupJob(fixture.plan());

      assertThat(checkpointNames(guest.name())).isEmpty();
      assertThat(harness.images.bitmaps(guest.diskPath("vda"))).isEmpty();
      guest.start();
      assertThat(harness.plan(harness.inspect(guest), Strategy.INCREMENTAL).full()).isTrue();
    }
  }

  @Test
  void quiesceFreezesTheGuestOnlyAroundTheJobsStart() {
    try (TestGuest guest = TestGuest.builder("job-quiesce").create()) {
      Taken taken = harness.backup(guest, Strategy.INCREMENTAL, CaptureMode.QUIESCE);

      assertThat(taken.job().capture()).isEqualTo(CaptureMode.QUIESCE);
      assertThat(taken.job().warnings()).isEmpty();
      assertThat(guest.filesystemsFrozen()).isFalse();
      assertThat(guest.state()).isEqualTo("running");
    }
  }

  @Test
  void quiesceWithoutAnAgentFallsBackToCrashWithAWarning() {
    try (TestGuest guest = TestGuest.builder("job-noagent").withoutAgent().create()) {
      Taken taken = harness.backup(guest, Strategy.INCREMENTAL, CaptureMode.QUIESCE);

      assertThat(taken.job().capture()).isEqualTo(CaptureMode.CRASH);
      assertThat(taken.job().warnings()).singleElement().asString().contains("guest agent did not answer");
    }
  }

  @Test
  void aDiskResizedBetweenPlanAndJobFailsWithoutStartingTheJob() {
    try (TestGuest guest = TestGuest.builder("job-resized").create()) {
      Fixture fixture = fixture(guest);
      Commands.virsh("blockresize", guest.name(), "vda", "80M");

      var failure = IncrementalHarness.failureOf(() -> harness.jobs.runBackupJob(fixture.plan()));

      assertThat(failure.getType()).isEqualTo(FailureType.DISK_CHAIN_CHANGED.name());
      assertThat(checkpointNames(guest.name())).isEmpty();
    }
  }

  /** A planned first backup of the guest, with its partial directory. */
  private record Fixture(DomainInfo domain, PreparedBackup prepared, BackupJobRequest plan) {}

  private Fixture fixture(TestGuest guest) {
    DomainInfo domain = harness.inspect(guest);
    PreparedBackup prepared = harness.prepare(domain);
    IncrementalDecision decision = harness.plan(domain, Strategy.INCREMENTAL);
    BackupJobRequest plan = IncrementalHarness.jobPlan(decision, Strategy.INCREMENTAL, domain, prepared, CaptureMode.CRASH);
    return new Fixture(domain, prepared, plan);
  }

  /** Starts the plan's job with virsh, as an attempt that then died would have; optionally slowed down. */
  private void startByHand(TestGuest guest, BackupJobRequest plan, int mibPerSecond) {
    try {
      Files.setPosixFilePermissions(Path.of(plan.partialDir()), PosixFilePermissions.fromString("rwx--x--x"));
      for (IncrementalDisk disk : plan.disks()) {
        harness.images.createTarget(Path.of(disk.file()), disk.format(), disk.virtualSize(), disk.backingFile());
      }
      List<String> targets = plan.disks().stream().map(IncrementalDisk::target).toList();
      String backupXml = BackupXml.push(plan.disks().stream()
          .map(d -> new BackupXml.PushDisk(d.target(), d.file(), d.format())).toList(), List.of(), null);
      String checkpointXml = BackupXml.checkpoint(plan.checkpoint(), targets, List.of());
      // Over one connection, so that the limit applies a few milliseconds after the start: virsh would
      // take long enough for a small disk to be copied already.
      var api = harness.hypervisor.backupApi();
      api.beginBackup(guest.name(), backupXml, checkpointXml);
      if (mibPerSecond > 0) {
        for (String target : targets) {
          api.setBackupBandwidth(guest.name(), target, (long) mibPerSecond << 20);
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void awaitJobEnd(TestGuest guest) {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (backupJobRunning(guest.name())) {
      assertThat(System.nanoTime()).as("the job ends").isLessThan(deadline);
      IncrementalHarness.sleep(200);
    }
  }

  private static long creationTime(TestGuest guest, String checkpoint) {
    String xml = Commands.virsh("checkpoint-dumpxml", guest.name(), checkpoint, "--no-domain");
    Matcher matcher = Pattern.compile("<creationTime>(\\d+)</creationTime>").matcher(xml);
    assertThat(matcher.find()).isTrue();
    return Long.parseLong(matcher.group(1));
  }
}
