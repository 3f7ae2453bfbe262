package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.BackupApi;
import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.image.BackupImages;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.RepositoryResolver;
import dev.vmbackup.host.repository.Stores;
import dev.vmbackup.host.xml.BackupXml;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.IncrementalDecisions;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.CheckpointActivities;
import dev.vmbackup.workflows.model.CheckpointDeletion;
import dev.vmbackup.workflows.model.CheckpointState;
import dev.vmbackup.workflows.model.DiskInfo;
import dev.vmbackup.workflows.model.DiskState;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.IncrementalDecision;
import dev.vmbackup.workflows.model.IncrementalFacts;
import dev.vmbackup.workflows.model.IncrementalDecisionRequest;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.PruneCheckpointsRequest;
import dev.vmbackup.workflows.model.Strategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Inspects and deletes the checkpoints of incremental backups. */
public final class CheckpointActivitiesImpl implements CheckpointActivities {
  private final HostSettings settings;
  private final Hypervisor hypervisor;
  private final ImageTool imageTool;
  private final BackupImages images;
  private final CheckpointCleaner cleaner;
  private final RepositoryResolver repositories;
  private final Stores stores;

  public CheckpointActivitiesImpl(RepositoryResolver repositories, Stores stores, HostSettings settings,
      Hypervisor hypervisor, ImageTool imageTool, BackupImages images) {
    this.repositories = repositories;
    this.stores = stores;
    this.settings = settings;
    this.hypervisor = hypervisor;
    this.imageTool = imageTool;
    this.images = images;
    this.cleaner = new CheckpointCleaner(hypervisor, images);
  }

  @Override
  public IncrementalDecision planIncrementalBackup(IncrementalDecisionRequest request) {
    return ActivityBoundary.run("plan the backup of " + request.domain().name(), () -> {
      IncrementalFacts facts = facts(request.domain(), request.domain().repository());
      try {
        return IncrementalDecisions.decide(facts, request.strategy(), request.fullEvery(), request.allowFullFallback());
      } catch (IncrementalDecisions.UntrackableDisks e) {
        throw new HostFailure(FailureType.UNSUPPORTED_DISK, e.getMessage());
      }
    });
  }

  @Override
  public List<String> deleteCheckpoints(CheckpointDeletion request) {
    return ActivityBoundary.run("delete checkpoints of " + request.domain(), () -> {
      String domain = Validation.domainName("domain", request.domain());
      List<String> deleted = new ArrayList<>();
      for (String name : request.checkpoints()) {
        if (!IncrementalDecisions.isVmbackupCheckpoint(name)) {
          throw new IllegalArgumentException("checkpoint " + name + " is not vmbackup's; it is left alone");
        }
        if (cleaner.delete(domain, name)) {
          deleted.add(name);
        }
      }
      return deleted;
    });
  }

  @Override
  public List<String> pruneCheckpoints(PruneCheckpointsRequest request) {
    return ActivityBoundary.run("prune the checkpoints of " + request.domain(), () -> {
      String domain = Validation.domainName("domain", request.domain());
      // A store's backups never use a checkpoint; judged by them, every checkpoint would look unneeded,
      // including those the backups of the domain's other repositories build on. The request names the
      // store's staging directory, or nothing when the host's default repository is a store.
      if (stores.stagedIn(request.repository()).isPresent()) {
        return List.of();
      }
      DomainStatus status = hypervisor.lookup(domain)
          .orElseThrow(() -> new HostFailure(FailureType.DOMAIN_NOT_FOUND, "domain " + domain + " not found"));
      String repository = new HostAuthority(settings).repository(request.repository()).toString();
      if (stores.stagedIn(repository).isPresent()) {
        return List.of();
      }
      DomainInfo info = new DomainInfo(domain, status.uuid(), status.state(), status.persistent(), List.of(),
          List.of(), false, null, repository);
      List<String> deleted = new ArrayList<>();
      for (String name : IncrementalDecisions.unneededCheckpoints(facts(info, repository))) {
        if (cleaner.delete(domain, name)) {
          deleted.add(name);
        }
      }
      return deleted;
    });
  }

  /**
   * What libvirt, the images and the repository say now. For a running domain a bitmap counts as
   * present when libvirt can size it, which means QEMU tracks it: {@code qemu-img info} lists only the
   * bitmaps stored when QEMU opened the image, not the ones created since. For a shut-off domain the
   * images are the truth; a bitmap they flag {@code in-use} was not stored cleanly (QEMU was killed)
   * and QEMU would drop it on the next start.
   */
  IncrementalFacts facts(DomainInfo domain, String repositoryPath) {
    String name = Validation.domainName("domain", domain.name());
    BackupApi api = hypervisor.backupApi();
    DomainStatus status = hypervisor.lookup(name)
        .orElseThrow(() -> new HostFailure(FailureType.DOMAIN_NOT_FOUND, "domain " + name + " not found"));
    boolean active = status.state().isActive();

    List<CheckpointState> checkpoints = new ArrayList<>();
    Map<String, Set<String>> liveBitmaps = new HashMap<>();
    for (String checkpoint : api.checkpointNames(name)) {
      if (!IncrementalDecisions.isVmbackupCheckpoint(checkpoint)) {
        continue;
      }
      String xml = api.checkpointXml(name, checkpoint, active).orElse(null);
      if (xml == null) {
        continue;
      }
      Map<String, String> bitmaps = new LinkedHashMap<>();
      for (BackupXml.CheckpointDisk disk : BackupXml.checkpointDisks(xml)) {
        if (disk.bitmap() != null) {
          bitmaps.put(disk.target(), disk.bitmap());
          if (disk.size() != null) {
            liveBitmaps.computeIfAbsent(disk.target(), target -> new HashSet<>()).add(disk.bitmap());
          }
        }
      }
      checkpoints.add(new CheckpointState(checkpoint, bitmaps));
    }

    List<DiskState> disks = new ArrayList<>();
    for (DiskInfo disk : domain.disks()) {
      Path source = Path.of(disk.source());
      long size = imageTool.info(source).virtualSize();
      List<String> bitmaps = new ArrayList<>();
      if ("qcow2".equals(disk.format())) {
        if (active) {
          bitmaps.addAll(liveBitmaps.getOrDefault(disk.target(), Set.of()));
        } else {
          images.bitmaps(source).forEach((bitmap, flags) -> {
            if (!flags.contains("in-use")) {
              bitmaps.add(bitmap);
            }
          });
        }
      }
      disks.add(new DiskState(disk.target(), disk.source(), disk.format(), size, bitmaps));
    }

    BackupRepository repository = repositories.open(repositoryPath);
    List<Manifest> backups = repository.list(name);
    Map<String, String> problems = new HashMap<>();
    for (Manifest backup : backups) {
      if (backup.strategy() == Strategy.INCREMENTAL || backup.strategy() == Strategy.DIFFERENTIAL) {
        String problem = filesProblem(repository.backupDir(name, backup.backupId()), backup);
        if (problem != null) {
          problems.put(backup.backupId(), problem);
        }
      }
    }
    return new IncrementalFacts(domain, disks, checkpoints, backups, problems);
  }

  /** A file the manifest lists that is missing or of another size; checksums are the verification's job. */
  private static String filesProblem(Path dir, Manifest manifest) {
    for (BackupFiles.Entry entry : BackupFiles.entries(manifest)) {
      try {
        Path file = BackupFiles.resolve(dir, entry.file());
        if (!Files.isRegularFile(file)) {
          return entry.file() + " is missing";
        }
        long size = Files.size(file);
        if (size != entry.bytes()) {
          return entry.file() + " has " + size + " bytes, the manifest says " + entry.bytes();
        }
      } catch (IllegalArgumentException | IOException e) {
        return entry.file() + ": " + e.getMessage();
      }
    }
    return null;
  }
}
