package dev.vmbackup.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vmbackup.host.image.BackupImages;
import dev.vmbackup.host.image.QemuImg;
import dev.vmbackup.host.libvirt.LibvirtHypervisor;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.host.repository.FileRepositories;
import dev.vmbackup.host.xml.BackupXml;
import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.workflows.IncrementalDecisions;
import dev.vmbackup.workflows.activities.BackupDirectoryActivities;
import dev.vmbackup.workflows.activities.BackupJobActivities;
import dev.vmbackup.workflows.activities.CheckpointActivities;
import dev.vmbackup.workflows.activities.InspectActivities;
import dev.vmbackup.workflows.activities.VerifyActivities;
import dev.vmbackup.workflows.model.BackupJobRequest;
import dev.vmbackup.workflows.model.BackupJobResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.CheckpointDeletion;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.IncrementalDecision;
import dev.vmbackup.workflows.model.IncrementalDisk;
import dev.vmbackup.workflows.model.IncrementalDecisionRequest;
import dev.vmbackup.workflows.model.InspectRequest;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.PublishHeader;
import dev.vmbackup.workflows.model.PrepareBackupRequest;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.PublishIncrementalRequest;
import dev.vmbackup.workflows.model.RepositoryCopyResult;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.VerifyRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * The activities of incremental backups against the real host (libvirt at {@code qemu:///system},
 * qemu-img), run through a {@link TestActivityEnvironment}, with a scratch repository. {@link #backup}
 * takes a backup with the same steps in the same order as the workflow does.
 */
final class IncrementalHarness implements AutoCloseable {
  static final String LIBVIRT_URI = TestHost.LIBVIRT_URI;
  static final ActivityOptions OPTIONS = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(10))
      .setHeartbeatTimeout(Duration.ofMinutes(2))
      .build();
  private static final DateTimeFormatter IDS =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  final TestActivityEnvironment env = TestActivityEnvironment.newInstance();
  final LibvirtHypervisor hypervisor = new LibvirtHypervisor(LIBVIRT_URI);
  final QemuImg imageTool = new QemuImg(new ProcessRunner());
  final BackupImages images = new BackupImages(new ProcessRunner());
  final Path dir;
  final Path repository;
  final HostSettings settings;
  final CheckpointActivities checkpoints;
  final BackupJobActivities jobs;
  final InspectActivities inspect;
  final BackupDirectoryActivities directories;
  final VerifyActivities verify;
  private Instant nextId = Instant.parse("2026-01-01T00:00:00Z");

  /** A backup taken by {@link #backup}. */
  record Taken(IncrementalDecision decision, BackupJobRequest plan, BackupJobResult job, Manifest manifest, Path dir) {}

  IncrementalHarness(String prefix) {
    this(prefix, 0);
  }

  /** @param bytesPerSecond the backup job's bandwidth limit */
  IncrementalHarness(String prefix, long bytesPerSecond) {
    dir = TestHost.scratchDir(prefix);
    repository = dir.resolve("repository");
    settings = new HostSettings("testhost", repository, dir.resolve("state"), LIBVIRT_URI);
    env.registerActivitiesImplementations(
        new CheckpointActivitiesImpl(new FileRepositories(), dev.vmbackup.worker.WorkerAssembly.stores(settings), settings,
            hypervisor, imageTool, images),
        new BackupJobActivitiesImpl(new FileRepositories(), hypervisor, imageTool, images, bytesPerSecond),
        new InspectActivitiesImpl(settings, hypervisor, imageTool, dev.vmbackup.worker.WorkerAssembly.stores(settings)),
        new BackupDirectoryActivitiesImpl(new FileRepositories(), hypervisor),
        new VerifyActivitiesImpl(new FileRepositories(), imageTool));
    checkpoints = retrying(CheckpointActivities.class);
    jobs = retrying(BackupJobActivities.class);
    inspect = retrying(InspectActivities.class);
    directories = retrying(BackupDirectoryActivities.class);
    verify = retrying(VerifyActivities.class);
  }

  /**
   * A stub that retries a failure the activity classified as retryable, as the activities' retry
   * policies do in production (the test environment runs each call once): other tests on this host
   * restart libvirtd now and then.
   */
  @SuppressWarnings("unchecked")
  private <T> T retrying(Class<T> activities) {
    T stub = env.newActivityStub(activities, OPTIONS);
    return (T) java.lang.reflect.Proxy.newProxyInstance(activities.getClassLoader(), new Class<?>[] {activities},
        (proxy, method, arguments) -> {
          for (int attempt = 1; ; attempt++) {
            try {
              return method.invoke(stub, arguments);
            } catch (java.lang.reflect.InvocationTargetException e) {
              Throwable failure = e.getCause();
              boolean retryable = failure instanceof ActivityFailure
                  && failure.getCause() instanceof ApplicationFailure application && !application.isNonRetryable()
                  && application.getType().equals("dev.vmbackup.host.hypervisor.HypervisorException");
              if (!retryable || attempt == 3) {
                throw failure;
              }
              requireHost();
              sleep(1000);
            }
          }
        });
  }

  /** Fails unless libvirt and the test guest are ready; waits a minute for a libvirtd another test restarts. */
  static void requireHost() {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (!TestHost.libvirtAvailable() && Instant.now().isBefore(deadline)) {
      sleep(500);
    }
    TestHost.requireReady();
  }

  DomainInfo inspect(TestGuest guest) {
    return inspect.inspectDomain(new InspectRequest(guest.name(), repository.toString()));
  }

  /** A new partial backup directory with a fresh id (ids are minutes apart, in order). */
  PreparedBackup prepare(DomainInfo domain) {
    String id = IDS.format(nextId);
    nextId = nextId.plusSeconds(60);
    return directories.prepareBackupDirectory(new PrepareBackupRequest(
        repository.toString(), domain.name(), id, "owner-" + UUID.randomUUID(), domain.persistent()));
  }

  IncrementalDecision plan(DomainInfo domain, Strategy strategy) {
    return checkpoints.planIncrementalBackup(new IncrementalDecisionRequest(domain, strategy, 7, false));
  }

  /** The job plan the workflow would make (same rules: {@code IncrementalBackup.plan}). */
  static BackupJobRequest jobPlan(IncrementalDecision decision, Strategy strategy, DomainInfo domain,
      PreparedBackup prepared, CaptureMode capture) {
    List<IncrementalDisk> disks = new ArrayList<>();
    for (IncrementalDecision.PlannedDisk disk : decision.disks()) {
      disks.add(new IncrementalDisk(disk.target(), disk.source(), disk.format(), disk.virtualSize(),
          prepared.partialDir() + "/" + disk.target() + "." + disk.format(),
          decision.full() ? null : "../" + decision.parentBackupId() + "/" + disk.parentFile()));
    }
    boolean creates = decision.checkpoints() && (decision.full() || strategy == Strategy.INCREMENTAL);
    return new BackupJobRequest(domain.name(), prepared.backupId(), prepared.partialDir(),
        creates ? IncrementalDecisions.checkpointName(prepared.backupId()) : null,
        decision.full() ? null : decision.incrementalFrom(), disks, capture, domain.agentAvailable());
  }

  /** A whole backup, step by step as the workflow takes it; the backup is published and verified. */
  Taken backup(TestGuest guest, Strategy strategy, CaptureMode capture) {
    DomainInfo domain = inspect(guest);
    PreparedBackup prepared = prepare(domain);
    IncrementalDecision decision = plan(domain, strategy);
    if (!decision.staleCheckpoints().isEmpty()) {
      checkpoints.deleteCheckpoints(new CheckpointDeletion(domain.name(), decision.staleCheckpoints()));
    }
    BackupJobRequest plan = jobPlan(decision, strategy, domain, prepared, capture);
    BackupJobResult job = jobs.runBackupJob(plan);
    List<String> warnings = new ArrayList<>(job.warnings());
    if (decision.reason() != null) {
      warnings.add("new full backup: " + decision.reason());
    }
    RepositoryCopyResult published = jobs.publishIncrementalBackup(new PublishIncrementalRequest(
        new PublishHeader(repository.toString(), domain.name(), prepared.backupId(), prepared.partialDir(),
            prepared.finalDir(), "testhost", domain.uuid(), strategy, capture, job.capture(), warnings, domain.nvram(),
            0, decision.parentBackupId()),
        plan.disks(), plan.checkpoint(), job.totalTransferred()));
    assertThat(verify.verifyBackup(new VerifyRequest(repository.toString(), domain.name(), prepared.backupId(), true))
        .ok()).as("backup %s verifies", prepared.backupId()).isTrue();
    Manifest manifest = verify.readManifest(new dev.vmbackup.workflows.model.BackupRef(
        repository.toString(), domain.name(), prepared.backupId()));
    return new Taken(decision, plan, job, manifest, Path.of(published.path()));
  }

  Taken backup(TestGuest guest, Strategy strategy) {
    return backup(guest, strategy, CaptureMode.CRASH);
  }

  /** The domain's checkpoints, from virsh. */
  static List<String> checkpointNames(String domain) {
    return Commands.virsh("checkpoint-list", domain, "--name").lines().map(String::strip)
        .filter(line -> !line.isEmpty()).sorted().toList();
  }

  /** How many bytes the checkpoint's bitmap on the disk marks as changed now, from virsh. */
  static Optional<Long> dirtyBytes(String domain, String checkpoint, String target) {
    String xml = Commands.virsh("checkpoint-dumpxml", domain, checkpoint, "--size", "--no-domain");
    return BackupXml.checkpointDisks(xml).stream().filter(disk -> disk.target().equals(target)).findFirst()
        .map(BackupXml.CheckpointDisk::size);
  }

  static boolean backupJobRunning(String domain) {
    // An error from virsh (libvirtd busy with the domain, seen on a loaded machine) says nothing about
    // the job, unlike an answer without one: ask again rather than report "not running".
    for (int attempt = 1; ; attempt++) {
      var answer = Commands.tryVirsh("domjobinfo", domain);
      if (answer.succeeded() || attempt == 5) {
        return answer.succeeded() && answer.stdout().contains("Unbounded");
      }
      sleep(200);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  @Override
  public void close() {
    env.close();
    hypervisor.close();
    TestHost.deleteRecursively(dir);
  }

  /** The failure a workflow would see: the application failure the activity boundary classified. */
  static ApplicationFailure failureOf(ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).as("the activity fails").isInstanceOf(ActivityFailure.class);
    assertThat(thrown.getCause()).as("with an application failure").isInstanceOf(ApplicationFailure.class);
    return (ApplicationFailure) thrown.getCause();
  }
}
