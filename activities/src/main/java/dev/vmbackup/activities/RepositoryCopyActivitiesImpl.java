package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.RepositoryResolver;
import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.RepositoryCopyActivities;
import dev.vmbackup.workflows.model.CopyProgress;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.ImageLayer;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.ManifestDisk;
import dev.vmbackup.workflows.model.ManifestFile;
import dev.vmbackup.workflows.model.ManifestImage;
import dev.vmbackup.workflows.model.PublishHeader;
import dev.vmbackup.workflows.model.RepositoryCopyRequest;
import dev.vmbackup.workflows.model.RepositoryCopyResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Copies what the snapshot froze into the repository, writes the manifest and publishes the backup.
 * Progress is heartbeated as a {@link CopyProgress}; a retry skips files already complete and resumes
 * the interrupted one at its last durable checkpoint.
 */
public final class RepositoryCopyActivitiesImpl implements RepositoryCopyActivities {

  private final Hypervisor hypervisor;
  private final ImageTool images;
  private final SparseCopier copier;
  private final RepositoryResolver repositories;

  public RepositoryCopyActivitiesImpl(
      RepositoryResolver repositories, Hypervisor hypervisor, ImageTool images, SparseCopier copier) {
    this.repositories = repositories;
    this.hypervisor = hypervisor;
    this.images = images;
    this.copier = copier;
  }

  /** One file to copy: from the host into the partial directory, under a name of the backup's own. */
  private record CopyJob(Path source, String name) {}

  @Override
  public RepositoryCopyResult copyToRepository(RepositoryCopyRequest request) {
    return ActivityBoundary.run("copy " + request.header().domain() + " into the repository", () -> retain(request));
  }

  private RepositoryCopyResult retain(RepositoryCopyRequest request) {
    PublishHeader header = request.header();
    BackupRepository repository = repositories.open(header.repository());
    Optional<RepositoryCopyResult> done = published(repository, header);
    if (done.isPresent()) {
      return done.get();
    }
    Path partial = BackupManifests.partialDir(header.partialDir());
    try (AttemptFence fence = AttemptFence.acquire(partial.resolve(BackupLayout.COPY_FENCE))) {
      // An attempt that waited for an earlier one may find the backup published by it.
      done = published(repository, header);
      return done.isPresent() ? done.get() : copy(request, repository, partial);
    } catch (NoSuchFileException gone) {
      // The partial directory went away since the first check: published by an earlier attempt.
      return published(repository, header).orElseThrow(() -> new UncheckedIOException(gone));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The result of an earlier attempt that published the backup and died before reporting, if any. */
  private static Optional<RepositoryCopyResult> published(BackupRepository repository, PublishHeader header) {
    return repository.readManifest(header.domain(), header.backupId())
        .map(manifest -> new RepositoryCopyResult(header.finalDir(), manifest.totalBytes(), manifest.disks()));
  }

  private RepositoryCopyResult copy(RepositoryCopyRequest request, BackupRepository repository, Path partial) {
    PublishHeader header = request.header();
    if (request.offline()) {
      requireShutOff(header.domain());
    }

    List<CopyJob> jobs = copyJobs(request);
    long total = 0;
    for (CopyJob job : jobs) {
      total += size(job.source());
    }
    CopyProgress resume = Heartbeats.lastDetails(CopyProgress.class).orElse(CopyProgress.START);
    List<SparseCopier.Copied> copied = new ArrayList<>();
    long done = 0;
    for (int index = 0; index < jobs.size(); index++) {
      CopyJob job = jobs.get(index);
      Path destination = partial.resolve(job.name());
      Optional<SparseCopier.Copied> complete = StepMarkers.readDone(partial, job.name());
      SparseCopier.Copied result;
      if (complete.isPresent()) {
        result = complete.get();
      } else {
        long offset = index == resume.fileIndex() ? resumableOffset(destination, resume.offset()) : 0;
        int fileIndex = index;
        long before = done;
        long bytesTotal = total;
        result = copy(job.source(), destination, offset,
            at -> Heartbeats.beat(new CopyProgress(fileIndex, at, before + at, bytesTotal)));
        StepMarkers.writeDone(partial, job.name(), result);
        Heartbeats.beat(new CopyProgress(index + 1, 0, before + result.bytes(), total));
      }
      copied.add(result);
      done += result.bytes();
    }
    if (request.offline()) {
      requireShutOff(header.domain());
    }

    CopyProgress finished = new CopyProgress(jobs.size(), 0, done, total);
    Manifest manifest = manifest(request, jobs, copied, partial, finished);
    List<String> markers = new ArrayList<>();
    jobs.forEach(job -> markers.add(BackupLayout.doneMarker(job.name())));
    markers.add(BackupLayout.SNAPSHOT_MARKER);
    markers.add(BackupLayout.SAVED_STATE_MARKER);
    // Deleted while this attempt holds it: one that waits on it finds the backup published when it gets it.
    markers.add(BackupLayout.COPY_FENCE);
    BackupManifests.publish(repository, header.domain(), header.backupId(), partial, manifest, markers);
    long written = copied.stream().mapToLong(SparseCopier.Copied::bytesWritten).sum();
    return new RepositoryCopyResult(header.finalDir(), written, manifest.disks());
  }

  /** Every image of every disk chain, then the NVRAM; the order is fixed so that a resume index means the same file. */
  private static List<CopyJob> copyJobs(RepositoryCopyRequest request) {
    List<CopyJob> jobs = new ArrayList<>();
    for (DiskInfo disk : request.disks()) {
      List<ImageLayer> chain = disk.chain();
      for (int depth = 0; depth < chain.size(); depth++) {
        ImageLayer layer = chain.get(depth);
        jobs.add(new CopyJob(Path.of(layer.path()), BackupLayout.imageName(disk.target(), depth, layer.format())));
      }
    }
    if (request.header().nvram() != null) {
      jobs.add(new CopyJob(Path.of(request.header().nvram()), BackupLayout.NVRAM));
    }
    return jobs;
  }

  private Manifest manifest(
      RepositoryCopyRequest request, List<CopyJob> jobs, List<SparseCopier.Copied> copied, Path partial, CopyProgress progress) {
    List<ManifestDisk> disks = new ArrayList<>();
    int index = 0;
    for (DiskInfo disk : request.disks()) {
      List<ImageLayer> chain = disk.chain();
      List<ManifestImage> layers = new ArrayList<>();
      for (int depth = 0; depth < chain.size(); depth++) {
        CopyJob job = jobs.get(index);
        SparseCopier.Copied result = copied.get(index);
        index++;
        ImageLayer layer = chain.get(depth);
        long virtualSize = images.info(partial.resolve(job.name())).virtualSize();
        layers.add(new ManifestImage(job.name(), layer.format(), virtualSize, result.bytes(), result.sha256(), layer.path()));
      }
      ManifestImage top = layers.get(0);
      disks.add(new ManifestDisk(disk.target(), top.file(), top.format(), top.virtualSize(), top.bytes(), top.sha256(),
          top.sourcePath(), layers.subList(1, layers.size())));
    }
    ManifestFile nvram = request.header().nvram() == null ? null
        : new ManifestFile(BackupLayout.NVRAM, copied.get(index).bytes(), copied.get(index).sha256());
    ManifestFile memory = request.memoryFile() == null ? null
        : BackupManifests.hashed(partial, BackupLayout.MEMORY_STATE, progress);
    ManifestFile domainXml = BackupManifests.hashed(partial, BackupLayout.DOMAIN_XML, progress);
    return BackupManifests.copied(request, disks, memory, domainXml, nvram);
  }

  private void requireShutOff(String domain) {
    DomainState state = hypervisor.lookup(domain)
        .orElseThrow(() -> new HostFailure(FailureType.DOMAIN_NOT_FOUND, "domain " + domain + " disappeared"))
        .state();
    if (state != DomainState.SHUTOFF) {
      throw new HostFailure(FailureType.DOMAIN_STATE,
          "domain " + domain + " was started while its shut-off disks were being copied; the copy would not be"
              + " consistent, back it up again");
    }
  }

  private SparseCopier.Copied copy(Path source, Path destination, long offset, SparseCopier.Progress progress) {
    try {
      return copier.copy(source, destination, offset, progress);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The offset a resumed copy starts at: the heartbeat's, unless the file is shorter (then from the start). */
  private static long resumableOffset(Path destination, long offset) {
    try {
      return Files.exists(destination) && Files.size(destination) >= offset ? offset : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
