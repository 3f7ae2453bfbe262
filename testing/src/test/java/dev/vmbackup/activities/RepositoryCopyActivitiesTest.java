package dev.vmbackup.activities;

import static dev.vmbackup.activities.ActivityHarness.BACKUP_ID;
import static dev.vmbackup.activities.ActivityHarness.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vmbackup.host.guest.TinyGuest;
import dev.vmbackup.host.repository.FileRepositories;
import dev.vmbackup.host.repository.FileRepository;
import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.DiskContent;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.BackupDirectoryActivities;
import dev.vmbackup.workflows.activities.InspectActivities;
import dev.vmbackup.workflows.activities.RepositoryCopyActivities;
import dev.vmbackup.workflows.activities.VerifyActivities;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.CopyProgress;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.InspectRequest;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.PublishHeader;
import dev.vmbackup.workflows.model.PrepareBackupRequest;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import dev.vmbackup.workflows.model.RepositoryCopyResult;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.VerifyRequest;
import dev.vmbackup.workflows.model.VerifyResult;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Copying a shut-off guest's disk into the repository, as the offline backup path does. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RepositoryCopyActivitiesTest {
  private static final long MIB = 1024 * 1024;
  /** The copier's checkpoint interval: where an interrupted first attempt last made its copy durable. */
  private static final long CHECKPOINT = 64 * MIB;

  private ActivityHarness harness;
  private String repository;

  @BeforeEach
  void setUp() {
    ActivityHarness.requireHost();
    harness = new ActivityHarness("retain");
    repository = harness.dir.resolve("repository").toString();
    harness.env.registerActivitiesImplementations(
        new InspectActivitiesImpl(harness.settings(), harness.hypervisor, harness.images,
            dev.vmbackup.worker.WorkerAssembly.stores(harness.settings())),
        new BackupDirectoryActivitiesImpl(new FileRepositories(), harness.hypervisor),
        new RepositoryCopyActivitiesImpl(new FileRepositories(), harness.hypervisor, harness.images, harness.copier),
        new VerifyActivitiesImpl(new FileRepositories(), harness.images));
  }

  @AfterEach
  void tearDown() {
    harness.close();
  }

  /** Thrown by the progress callback: the worker dies right after the first durable checkpoint. */
  private static final class WorkerKilled extends RuntimeException {
    WorkerKilled() {
      super("worker killed");
    }
  }

  @Test
  void aRetryResumesTheCopyAtTheLastHeartbeat() throws IOException {
    try (TestGuest guest = TestGuest.builder("resume")
        .disk(TinyGuest.Disk.qcow2("vda").withBallast(160)).shutOff().create()) {
      resumeAfterTheFirstCheckpoint(guest, "qcow2");
    }
  }

  @Test
  void aRetryResumesEvenWhenTheCheckpointFellInAHoleOfASparseImage() throws IOException {
    // A thin raw image: a fresh ext4 filesystem has data at a few places only, none from 57 to 72 MiB.
    try (TestGuest guest = TestGuest.builder("sparse")
        .disk(new TinyGuest.Disk("vda", "vda.raw", "raw", 256, 0)).shutOff().create()) {
      resumeAfterTheFirstCheckpoint(guest, "raw");
    }
  }

  /**
   * A first attempt copies the image up to its first durable checkpoint, heartbeats it and dies; the
   * retry, given that heartbeat, must copy only the rest and still publish a complete, verified backup.
   */
  private void resumeAfterTheFirstCheckpoint(TestGuest guest, String format) throws IOException {
    DomainInfo info = inspect(guest);
    assertThat(info.state()).isEqualTo(DomainState.SHUTOFF);
    PreparedBackup prepared = prepare(guest);
    Path image = guest.diskPath("vda");
    long size = Files.size(image);
    long fullData = harness.copier.copy(image, harness.dir.resolve("full-copy"), 0, SparseCopier.NO_PROGRESS)
        .bytesWritten();
    assertThat(size).as("the image spans more than one checkpoint").isGreaterThan(2 * CHECKPOINT);

    AtomicReference<Long> lastHeartbeat = new AtomicReference<>();
    Path partialImage = Path.of(prepared.partialDir(), "vda." + format);
    assertThatThrownBy(() -> harness.copier.copy(image, partialImage, 0, at -> {
      lastHeartbeat.set(at);
      throw new WorkerKilled();
    })).isInstanceOf(WorkerKilled.class);
    assertThat(lastHeartbeat.get()).isEqualTo(CHECKPOINT);
    harness.env.setHeartbeatDetails(new CopyProgress(0, CHECKPOINT, CHECKPOINT, size));

    RepositoryCopyResult result = harness.stub(RepositoryCopyActivities.class).copyToRepository(request(info, prepared, true));

    assertThat(result.path()).isEqualTo(prepared.finalDir());
    assertThat(result.bytesCopied()).as("only what the first attempt had not copied").isPositive()
        .isLessThan(fullData).isLessThanOrEqualTo(size - CHECKPOINT);
    Path finalDir = Path.of(prepared.finalDir());
    assertThat(finalDir.resolve(Manifest.FILE_NAME)).isRegularFile();
    assertThat(Path.of(prepared.partialDir())).doesNotExist();
    String sha256 = SparseCopier.sha256(image);
    ManifestDisk disk = result.disks().get(0);
    assertThat(disk.file()).isEqualTo("vda." + format);
    assertThat(disk.sha256()).isEqualTo(sha256);
    assertThat(disk.bytes()).isEqualTo(size);
    assertThat(SparseCopier.sha256(finalDir.resolve(disk.file()))).isEqualTo(sha256);
    Manifest manifest = new FileRepository(Path.of(repository)).readManifest(guest.name(), BACKUP_ID).orElseThrow();
    assertThat(manifest.disks()).isEqualTo(result.disks());
    assertThat(manifest.uuid()).isEqualTo(info.uuid());
    assertThat(DiskContent.read(finalDir.resolve(disk.file()), format).clean()).isTrue();

    VerifyResult verified = harness.stub(VerifyActivities.class)
        .verifyBackup(new VerifyRequest(repository, guest.name(), BACKUP_ID, false));
    assertThat(verified.problems()).isEmpty();
    assertThat(verified.ok()).isTrue();
  }

  @Test
  void aDomainStartedDuringAnOfflineCopyFailsTheCopy() {
    try (TestGuest guest = TestGuest.builder("started")
        .disk(TinyGuest.Disk.qcow2("vda").withBallast(160)).shutOff().create()) {
      DomainInfo info = inspect(guest);
      PreparedBackup prepared = prepare(guest);
      // Someone starts the VM while its disk is being copied: at the copy's first heartbeat.
      AtomicReference<String> start = new AtomicReference<>();
      harness.env.setActivityHeartbeatListener(CopyProgress.class, progress -> {
        if (start.get() == null) {
          var result = Commands.tryVirsh("start", guest.name());
          start.set(result.succeeded() ? "started" : result.stderr());
        }
      });

      ApplicationFailure failure =
          failureOf(() -> harness.stub(RepositoryCopyActivities.class).copyToRepository(request(info, prepared, true)));

      assertThat(start.get()).isEqualTo("started");
      assertThat(failure.getType()).isEqualTo(FailureType.DOMAIN_STATE.name());
      assertThat(failure.isNonRetryable()).isTrue();
      assertThat(Path.of(prepared.finalDir())).as("nothing published").doesNotExist();
      assertThat(new FileRepository(Path.of(repository)).readManifest(guest.name(), BACKUP_ID)).isEmpty();
      assertThat(Domains.state(guest.name())).isEqualTo("running");
    }
  }

  @Test
  void aCancelledCopyStopsWithoutPublishing() {
    try (TestGuest guest = TestGuest.builder("cancel")
        .disk(TinyGuest.Disk.qcow2("vda").withBallast(160)).shutOff().create()) {
      DomainInfo info = inspect(guest);
      PreparedBackup prepared = prepare(guest);
      harness.env.requestCancelActivity();

      Throwable thrown = catchThrowable(
          () -> harness.stub(RepositoryCopyActivities.class).copyToRepository(request(info, prepared, true)));

      assertThat(thrown).isInstanceOf(CanceledFailure.class);
      assertThat(Path.of(prepared.finalDir())).as("nothing published").doesNotExist();
      assertThat(Path.of(prepared.partialDir())).as("left for the workflow to discard").isDirectory();
    }
  }

  private DomainInfo inspect(TestGuest guest) {
    return harness.stub(InspectActivities.class).inspectDomain(new InspectRequest(guest.name(), repository));
  }

  private PreparedBackup prepare(TestGuest guest) {
    return harness.stub(BackupDirectoryActivities.class).prepareBackupDirectory(
        new PrepareBackupRequest(repository, guest.name(), BACKUP_ID, "run-1", true));
  }

  private RepositoryCopyRequest request(DomainInfo info, PreparedBackup prepared, boolean offline) {
    return new RepositoryCopyRequest(new PublishHeader(repository, info.name(), prepared.backupId(),
        prepared.partialDir(), prepared.finalDir(), "testhost", info.uuid(), Strategy.FULL, CaptureMode.CRASH,
        CaptureMode.CRASH, List.of(), info.nvram(), System.currentTimeMillis(), null), info.disks(), null, offline);
  }
}
