package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.BackupApi;
import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.image.BackupImages;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.RepositoryResolver;
import dev.vmbackup.host.xml.BackupXml;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.BackupJobActivities;
import dev.vmbackup.workflows.model.BackupJobRequest;
import dev.vmbackup.workflows.model.BackupJobResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.CopyProgress;
import dev.vmbackup.workflows.model.IncrementalDisk;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.PublishHeader;
import dev.vmbackup.workflows.model.PublishIncrementalRequest;
import dev.vmbackup.workflows.model.RepositoryCopyResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs libvirt backup jobs in push mode: QEMU itself writes each disk into a qcow2 image that this
 * activity created in the partial backup directory, while the guest runs. What the job started and
 * what it achieved are recorded in small marker files beside the images, so that a retry after a crash
 * knows whether to re-attach, start again or report the finished job.
 */
public final class BackupJobActivitiesImpl implements BackupJobActivities {
  private static final Logger log = LoggerFactory.getLogger(BackupJobActivitiesImpl.class);

  /** Written once the job has started: the capture achieved at its start. */
  static final String STARTED = BackupLayout.BACKUP_JOB_STARTED_MARKER;
  /** Written once this activity saw the job complete: its result. */
  static final String DONE = BackupLayout.BACKUP_JOB_DONE_MARKER;
  private static final long POLL_MILLIS = 500;
  /** How long the wait for a job tolerates libvirtd being unreachable (a restart) before giving up. */
  private static final Duration LIBVIRTD_GRACE = Duration.ofMinutes(3);

  /** What {@link #STARTED} holds. */
  record Started(CaptureMode capture, List<String> warnings) {}

  private final Hypervisor hypervisor;
  private final ImageTool imageTool;
  private final BackupImages images;
  private final CheckpointCleaner cleaner;
  private final BackupJobStart start;
  private final RepositoryResolver repositories;

  /**
   * @param bytesPerSecond limit of the backup job's copying per disk, so that a backup leaves the VMs'
   *     own storage traffic room; 0 for none
   */
  public BackupJobActivitiesImpl(RepositoryResolver repositories, Hypervisor hypervisor, ImageTool imageTool,
      BackupImages images, long bytesPerSecond) {
    this.repositories = repositories;
    this.hypervisor = hypervisor;
    this.imageTool = imageTool;
    this.images = images;
    this.cleaner = new CheckpointCleaner(hypervisor, images);
    this.start = new BackupJobStart(hypervisor, imageTool, images, bytesPerSecond);
  }

  @Override
  public BackupJobResult runBackupJob(BackupJobRequest plan) {
    return ActivityBoundary.run("back up " + plan.domain(), () -> run(plan));
  }

  @Override
  public void cancelBackupJob(BackupJobRequest plan) {
    ActivityBoundary.run("undo the backup job of " + plan.domain(), () -> cancel(plan));
  }

  @Override
  public RepositoryCopyResult publishIncrementalBackup(PublishIncrementalRequest request) {
    return ActivityBoundary.run("publish backup " + request.header().backupId() + " of " + request.header().domain(),
        () -> publish(request));
  }

  private BackupJobResult run(BackupJobRequest plan) {
    String domain = plan.domain();
    BackupApi api = hypervisor.backupApi();
    Path partial = Path.of(plan.partialDir());
    Optional<BackupJobResult> done = StepMarkers.read(partial.resolve(DONE), BackupJobResult.class);
    if (done.isPresent()) {
      // An earlier attempt saw the job complete and died before reporting it.
      return done.get();
    }
    requireRunning(domain, "before its backup job could start");
    if (!Files.isDirectory(partial)) {
      throw new HostFailure(FailureType.BACKUP_NOT_FOUND, "the partial backup directory " + partial + " is gone");
    }
    if (Heartbeats.attempt() > 1 && plan.capture() == CaptureMode.QUIESCE && hypervisor.filesystemsFrozen(domain)) {
      log.warn("thawing the filesystems of {}, left frozen by an interrupted attempt", domain);
      hypervisor.thawFilesystems(domain);
    }

    Started started;
    try (GuestPauseGuard guard = new GuestPauseGuard(hypervisor, domain, () -> abortIfOurs(plan))) {
      try {
        Optional<String> running = api.backupJobXml(domain);
        if (running.isPresent()) {
          requireOurs(plan, running.get());
          log.warn("re-attaching to the running backup job of {}, started by an earlier attempt", domain);
          started = StepMarkers.read(partial.resolve(STARTED), Started.class).orElseGet(() -> new Started(
              CaptureMode.CRASH,
              List.of("the backup job was started by an attempt that did not report back; whether the guest's"
                  + " filesystems were frozen is unknown, so it is recorded as crash-consistent")));
          start.limitBandwidth(plan);
        } else {
          if (plan.checkpoint() != null && cleaner.delete(domain, plan.checkpoint())) {
            // The job of an earlier attempt ended without this activity seeing it complete: its images
            // cannot be trusted, nor its checkpoint, which would otherwise hide its changes from the next one.
            log.warn("the backup job of {} ended unobserved; deleted its checkpoint {} and starting it again", domain,
                plan.checkpoint());
          }
          started = start.begin(plan, partial);
          StepMarkers.write(partial.resolve(STARTED), started);
        }
        awaitCompletion(plan);
      } catch (RuntimeException e) {
        throw guard.rescued() ? targetsFailed(domain, partial) : e;
      }
      if (guard.rescued()) {
        throw targetsFailed(domain, partial);
      }
    }

    Map<String, Long> transferred = new LinkedHashMap<>();
    for (IncrementalDisk disk : plan.disks()) {
      transferred.put(disk.target(), images.dataBytes(Path.of(disk.file()), disk.format()));
    }
    BackupJobResult result = new BackupJobResult(started.capture(), started.warnings(), transferred);
    StepMarkers.write(partial.resolve(DONE), result);
    return result;
  }

  /** Waits for the job, heartbeating its progress; tolerates libvirtd restarting meanwhile (the job survives). */
  private void awaitCompletion(BackupJobRequest plan) {
    String domain = plan.domain();
    BackupApi api = hypervisor.backupApi();
    Instant unreachableSince = null;
    while (true) {
      try {
        Optional<String> running = api.backupJobXml(domain);
        if (running.isEmpty()) {
          break;
        }
        requireOurs(plan, running.get());
        Optional<BackupApi.JobProgress> progress = api.activeJob(domain);
        long processed = progress.map(BackupApi.JobProgress::processed).orElse(0L);
        long total = progress.map(BackupApi.JobProgress::total).orElse(0L);
        Heartbeats.beat(new CopyProgress(0, processed, processed, total));
        unreachableSince = null;
      } catch (HypervisorException e) {
        if (e.kind() != HypervisorException.Kind.CONNECTION) {
          throw e;
        }
        unreachableSince = unreachableSince == null ? Instant.now() : unreachableSince;
        if (Duration.between(unreachableSince, Instant.now()).compareTo(LIBVIRTD_GRACE) > 0) {
          throw e;
        }
        log.warn("libvirtd is unreachable while the backup job of {} runs ({}); waiting", domain, e.getMessage());
        Heartbeats.beat(null);
      }
      Polling.pause(POLL_MILLIS, "a backup job");
    }
    requireRunning(domain, "during its backup job");
    Optional<BackupApi.FinishedJob> finished = api.lastFinishedJob(domain);
    if (finished.isPresent() && finished.get().backup()
        && finished.get().outcome() == BackupApi.JobOutcome.COMPLETED) {
      awaitTargetsClosed(plan);
      log.info("backup job of {} completed", domain);
      return;
    }
    String how = finished.map(job -> job.outcome().name().toLowerCase(Locale.ROOT)
        + (job.error() == null ? "" : ": " + job.error())).orElse("libvirt no longer knows how it ended");
    if (finished.map(BackupApi.FinishedJob::error).orElse("").contains("No space left")) {
      throw new HostFailure(FailureType.REPOSITORY_FULL, "the backup job of " + domain + " failed: " + how);
    }
    // Retried: the next attempt deletes the checkpoint and starts the job again.
    throw new IllegalStateException("the backup job of " + domain + " did not complete (" + how + ")");
  }

  /**
   * libvirt reports the job finished before QEMU has closed its targets (the job's end is announced,
   * then the target is detached); until then clusters and metadata may not all be in the file.
   */
  private void awaitTargetsClosed(BackupJobRequest plan) {
    Instant deadline = Instant.now().plus(LIBVIRTD_GRACE);
    for (IncrementalDisk disk : plan.disks()) {
      while (images.inUse(Path.of(disk.file()), disk.format())) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("QEMU still holds " + disk.file() + " open after the backup job of "
              + plan.domain() + " ended");
        }
        Heartbeats.beat(null);
        Polling.pause(POLL_MILLIS, "a backup job");
      }
    }
  }

  /** A running backup job is ours only if it writes into exactly our targets; vmbackup never touches another. */
  private static void requireOurs(BackupJobRequest plan, String backupXml) {
    if (!ours(plan, backupXml)) {
      throw new HostFailure(FailureType.DOMAIN_STATE, "another backup job runs on " + plan.domain()
          + " (targets " + BackupXml.targets(backupXml) + "); vmbackup does not interfere with it");
    }
  }

  private void requireRunning(String domain, String when) {
    DomainStatus status = hypervisor.lookup(domain)
        .orElseThrow(() -> new HostFailure(FailureType.DOMAIN_NOT_FOUND, "domain " + domain + " disappeared " + when));
    if (!status.state().isActive()) {
      throw new HostFailure(FailureType.DOMAIN_STATE, "domain " + domain + " was stopped " + when
          + "; back it up again");
    }
  }

  private void cancel(BackupJobRequest plan) {
    String domain = plan.domain();
    Optional<DomainStatus> status = hypervisor.lookup(domain);
    if (status.isPresent() && status.get().state().isActive()) {
      if (hypervisor.pausedByIoError(domain)) {
        // A job whose target could not be written paused the guest (see GuestPauseGuard); a paused guest
        // cannot answer the guest agent, so it is freed first: the job goes, then the guest resumes.
        abortAndAwait(plan);
        GuestPauseGuard.resumeIfPausedByIoError(hypervisor, domain);
      }
      if (plan.capture() == CaptureMode.QUIESCE && hypervisor.filesystemsFrozen(domain)) {
        log.warn("thawing the filesystems of {}", domain);
        hypervisor.thawFilesystems(domain);
      }
      abortAndAwait(plan);
    }
    if (status.isPresent() && plan.checkpoint() != null) {
      // The backup did not complete: its checkpoint must not become the start of the next incremental.
      cleaner.delete(domain, plan.checkpoint());
    }
    for (IncrementalDisk disk : plan.disks()) {
      HostFiles.deleteIfExists(Path.of(disk.file()));
    }
    StepMarkers.delete(Path.of(plan.partialDir(), STARTED));
    StepMarkers.delete(Path.of(plan.partialDir(), DONE));
  }

  private static HostFailure targetsFailed(String domain, Path partial) {
    return new HostFailure(FailureType.REPOSITORY_FULL, "the backup job of " + domain + " could not write its"
        + " targets in " + partial + " (full or failing) and QEMU paused the guest; the job was aborted and the"
        + " guest resumed");
  }

  /** Aborts this backup's job, if it runs, and waits until libvirt no longer lists it. */
  private void abortAndAwait(BackupJobRequest plan) {
    if (abortIfOurs(plan)) {
      while (hypervisor.backupApi().backupJobXml(plan.domain()).isPresent()) {
        Heartbeats.beat(null);
        Polling.pause(POLL_MILLIS, "a backup job");
      }
    }
  }

  /** Aborts this backup's job if it runs; returns whether it did. Anybody else's job is left alone. */
  private boolean abortIfOurs(BackupJobRequest plan) {
    String domain = plan.domain();
    BackupApi api = hypervisor.backupApi();
    Optional<String> running = api.backupJobXml(domain);
    if (running.isEmpty()) {
      return false;
    }
    if (!ours(plan, running.get())) {
      log.warn("a backup job that is not this backup's runs on {}; left alone", domain);
      return false;
    }
    log.info("aborting the backup job of {}", domain);
    try {
      api.abortJob(domain);
    } catch (HypervisorException e) {
      // It may have ended meanwhile; callers look again.
      log.info("abort of the backup job of {}: {}", domain, e.getMessage());
    }
    return true;
  }

  private static boolean ours(BackupJobRequest plan, String backupXml) {
    Map<String, String> expected = new LinkedHashMap<>();
    plan.disks().forEach(disk -> expected.put(disk.target(), disk.file()));
    return BackupXml.targets(backupXml).equals(expected);
  }

  private RepositoryCopyResult publish(PublishIncrementalRequest request) {
    PublishHeader header = request.header();
    BackupRepository repository = repositories.open(header.repository());
    Optional<Manifest> published = repository.readManifest(header.domain(), header.backupId());
    if (published.isPresent()) {
      return new RepositoryCopyResult(header.finalDir(), request.bytesTransferred(), published.get().disks());
    }
    Path partial = BackupManifests.partialDir(header.partialDir());
    long total = 0;
    for (IncrementalDisk disk : request.disks()) {
      total += size(Path.of(disk.file()));
    }
    CopyProgress progress = new CopyProgress(0, 0, 0, total);
    List<ManifestDisk> disks = new ArrayList<>();
    for (IncrementalDisk disk : request.disks()) {
      Path file = Path.of(disk.file());
      String name = partial.relativize(file).toString();
      long virtualSize = imageTool.info(file).virtualSize();
      ManifestFile hashed = BackupManifests.hashed(partial, name, progress);
      disks.add(new ManifestDisk(disk.target(), name, disk.format(), virtualSize, hashed.bytes(), hashed.sha256(),
          disk.source(), List.of(), request.checkpoint()));
    }
    ManifestFile nvram = null;
    if (header.nvram() != null) {
      try {
        Files.copy(Path.of(header.nvram()), partial.resolve(BackupLayout.NVRAM), StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      nvram = BackupManifests.hashed(partial, BackupLayout.NVRAM, progress);
    }
    ManifestFile xml = BackupManifests.hashed(partial, BackupLayout.DOMAIN_XML, progress);
    Manifest manifest = BackupManifests.incremental(request, disks, xml, nvram);
    try {
      // QEMU needed to reach the images during the job; the backup is root's alone again.
      Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    BackupManifests.publish(repository, header.domain(), header.backupId(), partial, manifest,
        List.of(STARTED, DONE));
    return new RepositoryCopyResult(header.finalDir(), request.bytesTransferred(), manifest.disks());
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
