package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.RepositoryResolver;
import dev.vmbackup.host.xml.DomainDisk;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.ChainActivities;
import dev.vmbackup.workflows.model.ChainState;
import dev.vmbackup.workflows.model.ChainStateRequest;
import dev.vmbackup.workflows.model.ConsolidateRequest;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.ImageLayer;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads a VM's chain state, consolidates and repairs its running chains (strategy chain). */
public final class ChainActivitiesImpl implements ChainActivities {
  private static final Logger log = LoggerFactory.getLogger(ChainActivitiesImpl.class);

  /** More backups than any sane chain holds means a loop or a corrupt repository. */
  private static final int MAX_CHAIN = 10_000;

  private final Hypervisor hypervisor;
  private final ImageTool images;
  private final LayerJobs jobs;
  private final RepositoryResolver repositories;

  public ChainActivitiesImpl(
      RepositoryResolver repositories, Hypervisor hypervisor, ImageTool images, long mergeBytesPerSecond) {
    this.repositories = repositories;
    this.hypervisor = hypervisor;
    this.images = images;
    this.jobs = new LayerJobs(hypervisor, images, mergeBytesPerSecond);
  }

  @Override
  public ChainState readChainState(ChainStateRequest request) {
    return ActivityBoundary.run("read the backup chain of " + request.domain(), () -> {
      String domain = Validation.domainName("domain", request.domain());
      BackupRepository repository = repositories.open(request.repository());
      List<Manifest> backups = repository.list(domain);
      Manifest head = null;
      for (Manifest backup : backups) {
        if (backup.strategy() == Strategy.CHAIN) {
          head = backup;
        }
      }
      List<String> chain = new ArrayList<>();
      List<String> problems = head == null ? List.of() : problems(repository, head, chain);
      Map<String, Long> sizes = new LinkedHashMap<>();
      for (DiskInfo disk : request.disks()) {
        sizes.put(disk.target(), images.info(Path.of(disk.source())).virtualSize());
      }
      return new ChainState(head, problems, sizes, chain.size());
    });
  }

  /**
   * Why {@code head} and the backups it builds on do not make a whole, verified chain; empty if they do.
   * Every layer file must still be there with its recorded size (a full re-read is verification's job).
   *
   * @param seen filled with the ids of the backups walked, head first
   */
  private static List<String> problems(BackupRepository repository, Manifest head, List<String> seen) {
    List<String> problems = new ArrayList<>();
    seen.add(head.backupId());
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

  @Override
  public List<String> pullDeletedLayers(String domain) {
    return ActivityBoundary.run("pull deleted layers into the disks of " + domain, () -> {
      String name = Validation.domainName("domain", domain);
      Optional<DomainStatus> status = hypervisor.lookup(name);
      if (status.isEmpty() || !status.get().state().isActive()) {
        return List.of();
      }
      List<String> repaired = new ArrayList<>();
      for (DomainDisk disk : DomainDisks.current(hypervisor, name, true).disks()) {
        if (disk.source() != null && "file".equals(disk.type())) {
          String repair = pullDeleted(name, disk);
          if (repair != null) {
            repaired.add(repair);
          }
        }
      }
      return repaired;
    });
  }

  /** Repairs one disk's running chain; null if none of its layers is missing. */
  private String pullDeleted(String domain, DomainDisk disk) {
    List<String> chain = disk.backingChain().stream().map(ImageLayer::path).toList();
    int deepest = -1;
    for (int i = 0; i < chain.size(); i++) {
      if (!Files.exists(Path.of(chain.get(i)))) {
        deepest = i;
      }
    }
    if (deepest < 0) {
      return null;
    }
    if (!Files.exists(Path.of(disk.source()))) {
      throw new HostFailure(FailureType.DISK_CHAIN_CHANGED, "the active image " + disk.source() + " of disk "
          + disk.target() + " of " + domain + " was deleted while the VM uses it; save its data with a block"
          + " copy (virsh blockcopy) before the VM stops");
    }
    List<String> pulled = chain.subList(0, deepest + 1);
    List<String> deleted = pulled.stream().filter(layer -> !Files.exists(Path.of(layer))).toList();
    String base = deepest + 1 < chain.size() ? chain.get(deepest + 1) : null;
    log.warn("{} {}: layers {} were deleted while the VM runs; pulling {} into {}", domain, disk.target(), deleted,
        pulled, disk.source());
    jobs.pullDeleted(domain, disk.target(), disk.source(), pulled, base, Heartbeats::beat);
    // Chain overlays of vmbackup that were pulled in are referenced by nothing now (the repository has
    // its own copies); the user's own files are theirs to delete.
    List<String> kept = new ArrayList<>();
    for (String layer : pulled) {
      if (Files.exists(Path.of(layer))) {
        if (BackupLayout.isChainOverlay(layer)) {
          HostFiles.deleteIfExists(Path.of(layer));
        } else {
          kept.add(layer);
        }
      }
    }
    return "layers " + deleted + " of disk " + disk.target() + " were deleted outside vmbackup while the VM used"
        + " them; their data was pulled into " + disk.source()
        + (base == null ? ", which now stands alone" : ", which is now backed by " + base)
        + (kept.isEmpty() ? "" : "; " + kept + " are no longer used by the VM and were left in place");
  }
}
