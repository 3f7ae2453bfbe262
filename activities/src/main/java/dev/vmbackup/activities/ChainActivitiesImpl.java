package dev.vmbackup.activities;

import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.ChainActivities;
import dev.vmbackup.workflows.model.ChainState;
import dev.vmbackup.workflows.model.ChainStateRequest;
import dev.vmbackup.workflows.model.ConsolidateRequest;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.Strategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads a VM's chain state and consolidates its running chains (strategy chain). */
public final class ChainActivitiesImpl implements ChainActivities {
  /** More backups than any sane chain holds means a loop or a corrupt repository. */
  private static final int MAX_CHAIN = 10_000;

  private final ImageTool images;
  private final LayerJobs jobs;

  public ChainActivitiesImpl(dev.vmbackup.host.hypervisor.Hypervisor hypervisor, ImageTool images,
      long mergeBytesPerSecond) {
    this.images = images;
    this.jobs = new LayerJobs(hypervisor, images, mergeBytesPerSecond);
  }

  @Override
  public ChainState readChainState(ChainStateRequest request) {
    return ActivityBoundary.run("read the backup chain of " + request.domain(), () -> {
      String domain = Validation.domainName("domain", request.domain());
      BackupRepository repository = Repositories.open(request.repository());
      List<Manifest> backups = repository.list(domain);
      Manifest head = null;
      for (Manifest backup : backups) {
        if (backup.strategy() == Strategy.CHAIN) {
          head = backup;
        }
      }
      List<String> problems = head == null ? List.of() : problems(repository, head);
      Map<String, Long> sizes = new LinkedHashMap<>();
      for (DiskInfo disk : request.disks()) {
        sizes.put(disk.target(), images.info(Path.of(disk.source())).virtualSize());
      }
      return new ChainState(head, problems, sizes);
    });
  }

  /**
   * Why {@code head} and the backups it builds on do not make a whole, verified chain; empty if they do.
   * Every layer file must still be there with its recorded size (a full re-read is verification's job).
   */
  private static List<String> problems(BackupRepository repository, Manifest head) {
    List<String> problems = new ArrayList<>();
    List<String> seen = new ArrayList<>(List.of(head.backupId()));
    Manifest current = head;
    problems.addAll(missingFiles(repository, head));
    while (current.parentBackupId() != null) {
      String parent = current.parentBackupId();
      if (seen.contains(parent) || seen.size() > MAX_CHAIN) {
        problems.add("the chain of backup " + head.backupId() + " loops or is longer than " + MAX_CHAIN);
        break;
      }
      seen.add(parent);
      Optional<Manifest> next;
      try {
        next = repository.readManifest(current.domain(), Validation.backupId(parent));
      } catch (RuntimeException e) {
        problems.add("backup " + parent + " cannot be read: " + e.getMessage());
        break;
      }
      if (next.isEmpty()) {
        problems.add("backup " + current.backupId() + " builds on backup " + parent + ", which is missing");
        break;
      }
      current = next.get();
      if (current.verified() != null && !current.verified().ok()) {
        problems.add("backup " + parent + " failed its last verification");
      }
      problems.addAll(missingFiles(repository, current));
    }
    return problems;
  }

  private static List<String> missingFiles(BackupRepository repository, Manifest backup) {
    List<String> problems = new ArrayList<>();
    Path dir = repository.backupDir(backup.domain(), backup.backupId());
    for (BackupFiles.Entry entry : BackupFiles.entries(backup)) {
      if (entry.format() == null) {
        continue;
      }
      try {
        Path file = BackupFiles.resolve(dir, entry.file());
        if (!Files.isRegularFile(file) || Files.size(file) != entry.bytes()) {
          problems.add("layer " + entry.file() + " of backup " + backup.backupId() + " is missing or changed");
        }
      } catch (IOException | IllegalArgumentException e) {
        problems.add("layer " + entry.file() + " of backup " + backup.backupId() + " cannot be read: "
            + e.getMessage());
      }
    }
    return problems;
  }

  @Override
  public void consolidate(ConsolidateRequest request) {
    ActivityBoundary.run("consolidate the disk chains of " + request.domain(), () -> {
      String domain = Validation.domainName("domain", request.domain());
      for (ConsolidateRequest.Disk disk : request.disks()) {
        jobs.consolidate(domain, disk, Heartbeats::beat);
      }
    });
  }
}
