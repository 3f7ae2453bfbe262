package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.RepositoryResolver;
import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.host.xml.RestoredDomainXml;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.RestoreActivities;
import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.CopyProgress;
import dev.vmbackup.workflows.model.DefineDomainRequest;
import dev.vmbackup.workflows.model.DiskPlacement;
import dev.vmbackup.workflows.model.DomainRef;
import dev.vmbackup.workflows.model.FilePlacement;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.MemoryRestoreRequest;
import dev.vmbackup.workflows.model.RestoreCopyRequest;
import dev.vmbackup.workflows.model.RestoreTargetsCheck;
import dev.vmbackup.workflows.model.SetAsideRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The host side of a restore. Nothing here deletes or overwrites a file it did not create. */
public final class RestoreActivitiesImpl implements RestoreActivities {
  private static final Logger log = LoggerFactory.getLogger(RestoreActivitiesImpl.class);

  private final Hypervisor hypervisor;
  private final ImageTool images;
  private final SparseCopier copier;
  private final RepositoryResolver repositories;

  public RestoreActivitiesImpl(
      RepositoryResolver repositories, Hypervisor hypervisor, ImageTool images, SparseCopier copier) {
    this.repositories = repositories;
    this.hypervisor = hypervisor;
    this.images = images;
    this.copier = copier;
  }

  @Override
  public void checkRestoreTargets(RestoreTargetsCheck check) {
    ActivityBoundary.run("check the restore targets", () -> {
      if (check.newDomain() != null && hypervisor.lookup(check.newDomain()).isPresent()) {
        throw new HostFailure(FailureType.TARGET_EXISTS,
            "domain " + check.newDomain() + " exists already; choose another name or undefine it first");
      }
      for (String file : check.files()) {
        Path path = Path.of(Validation.absolutePath("restore target", file));
        if (Files.exists(path) && !check.overwrite()) {
          throw new HostFailure(FailureType.TARGET_EXISTS,
              path + " exists already; nothing was changed (--force moves existing files aside instead)");
        }
      }
    });
  }

  @Override
  public List<String> setAsideFiles(SetAsideRequest request) {
    return ActivityBoundary.run("move existing files aside", () -> {
      List<String> moved = new ArrayList<>();
      for (String file : request.files()) {
        Path path = Path.of(file);
        Path aside = Path.of(file + request.suffix());
        if (Files.exists(path) && !Files.exists(aside)) {
          move(path, aside);
        }
        if (Files.exists(aside)) {
          moved.add(aside.toString());
        }
      }
      return moved;
    });
  }

  @Override
  public void returnSetAsideFiles(SetAsideRequest request) {
    ActivityBoundary.run("move files set aside back", () -> {
      for (String file : request.files()) {
        Path aside = Path.of(file + request.suffix());
        if (Files.exists(aside)) {
          move(aside, Path.of(file));
        }
      }
    });
  }

  @Override
  public void copyFromRepository(RestoreCopyRequest request) {
    ActivityBoundary.run("copy backup " + request.backup().backupId() + " out of the repository", () -> {
      List<FilePlacement> files = request.disks().stream().flatMap(disk -> disk.chain().stream()).toList();
      if (files.isEmpty()) {
        return;
      }
      Path first = Path.of(Validation.absolutePath("restore target", files.get(0).destination()));
      Path fenceFile = first.resolveSibling(BackupLayout.restoreFence(first.getFileName().toString()));
      try {
        Files.createDirectories(first.getParent());
        try (AttemptFence fence = AttemptFence.acquire(fenceFile)) {
          try {
            copyAndRebase(request, files);
          } finally {
            // Deleted while held, so nothing is left beside the VM's images: an attempt that waits on
            // it gets the lock of the deleted file when this one ends, and runs the idempotent copy again.
            Files.deleteIfExists(fenceFile);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** The copy and the rebase of every layer, then the flattening; idempotent, resuming at the last heartbeat. */
  private void copyAndRebase(RestoreCopyRequest request, List<FilePlacement> files) {
    BackupRef ref = request.backup();
    BackupRepository repository = repositories.open(ref.repository());
    long total = files.stream().mapToLong(FilePlacement::bytes).sum();
    CopyProgress resume = Heartbeats.lastDetails(CopyProgress.class).orElse(CopyProgress.START);
    long done = 0;
    for (int index = 0; index < files.size(); index++) {
      FilePlacement file = files.get(index);
      if (index >= resume.fileIndex()) {
        long offset = index == resume.fileIndex() ? resume.offset() : 0;
        Path dir = repository.backupDir(ref.domain(),
            file.backupId() == null ? ref.backupId() : Validation.backupId(file.backupId()));
        copyOne(dir, file, offset, index, done, total);
      }
      done += file.bytes();
      Heartbeats.beat(new CopyProgress(index + 1, 0, done, total));
    }
    for (DiskPlacement disk : request.disks()) {
      List<FilePlacement> chain = disk.chain();
      if (request.flatten() && chain.size() > 1 && flattenedAlready(disk)) {
        // An earlier attempt flattened it and died before deleting the layers: never rebase a
        // standalone image (its holes would then read through to a backing file).
        deleteLayersBelow(disk);
        continue;
      }
      for (int depth = 0; depth + 1 < chain.size(); depth++) {
        FilePlacement below = chain.get(depth + 1);
        images.rebaseUnsafe(Path.of(chain.get(depth).destination()), Path.of(below.destination()), below.format());
      }
      if (request.flatten() && chain.size() > 1) {
        flatten(disk);
      }
    }
  }

  /**
   * Turns a restored chain into one standalone image at the active image's destination: converted
   * into a temporary file beside it, then moved over it, then the layers below are deleted. A retry
   * after a crash finds the chain intact (or already flattened) and does the same again.
   */
  private void flatten(DiskPlacement disk) {
    Path active = Path.of(disk.active().destination());
    Path flat = active.resolveSibling(BackupLayout.flattening(active.getFileName().toString()));
    try {
      Files.deleteIfExists(flat);
      images.convert(active, flat, disk.active().format());
      Files.move(flat, active, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    deleteLayersBelow(disk);
  }

  /** The active image has no backing reference although the chain has layers: it was flattened. */
  private boolean flattenedAlready(DiskPlacement disk) {
    Path active = Path.of(disk.active().destination());
    return Files.exists(active) && images.info(active).backingFilename() == null;
  }

  private static void deleteLayersBelow(DiskPlacement disk) {
    try {
      for (FilePlacement layer : disk.chain().subList(1, disk.chain().size())) {
        Files.deleteIfExists(Path.of(layer.destination()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void copyOne(Path dir, FilePlacement file, long offset, int index, long before, long total) {
    Path source = BackupFiles.resolve(dir, file.file());
    Path destination = Path.of(Validation.absolutePath("restore target", file.destination()));
    try {
      Files.createDirectories(destination.getParent());
      long start = Files.exists(destination) && Files.size(destination) >= offset ? offset : 0;
      SparseCopier.Copied copied = copier.copy(source, destination, start,
          at -> Heartbeats.beat(new CopyProgress(index, at, before + at, total)));
      if (!copied.sha256().equals(file.sha256())) {
        Files.deleteIfExists(destination);
        throw new HostFailure(FailureType.VERIFICATION_FAILED,
            file.file() + " changed in the repository during the restore: checksum " + copied.sha256()
                + ", manifest " + file.sha256());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void deleteRestoredFiles(List<String> files) {
    ActivityBoundary.run("delete restored files", () -> {
      for (String file : files) {
        try {
          Files.deleteIfExists(Path.of(file));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    });
  }

  @Override
  public void defineRestoredDomain(DefineDomainRequest request) {
    ActivityBoundary.run("define " + request.name(), () -> {
      Optional<DomainStatus> existing = hypervisor.lookup(request.name());
      if (existing.isPresent()) {
        if (existing.get().uuid().equals(request.uuid())) {
          return;
        }
        throw new HostFailure(FailureType.TARGET_EXISTS, "domain " + request.name() + " exists already");
      }
      BackupRef ref = request.backup();
      BackupRepository repository = repositories.open(ref.repository());
      Path dir = repository.backupDir(ref.domain(), ref.backupId());
      Manifest manifest = repository.readManifest(ref.domain(), ref.backupId())
          .orElseThrow(() -> new HostFailure(FailureType.BACKUP_NOT_FOUND, "backup " + ref.backupId() + " is gone"));
      try {
        String xml = Files.readString(BackupFiles.resolve(dir, manifest.domainXml().file()), StandardCharsets.UTF_8);
        RestoredDomainXml.Rewritten rewritten =
            RestoredDomainXml.forNewDomain(xml, request.name(), request.uuid(), request.diskPaths(), request.targetDir());
        if (rewritten.nvramCopy() != null && manifest.nvram() != null) {
          Path nvram = Path.of(rewritten.nvramCopy().getValue());
          Files.createDirectories(nvram.getParent());
          Files.copy(BackupFiles.resolve(dir, manifest.nvram().file()), nvram, StandardCopyOption.REPLACE_EXISTING);
        }
        hypervisor.define(rewritten.xml());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  @Override
  public void undefineDomain(DomainRef domain) {
    ActivityBoundary.run("undefine " + domain.name(), () -> {
      Optional<DomainStatus> status = hypervisor.lookup(domain.name());
      if (status.isEmpty()) {
        return;
      }
      if (domain.uuid() != null && !domain.uuid().equals(status.get().uuid())) {
        log.warn("not undefining {}: it has UUID {}, not the restored {}", domain.name(), status.get().uuid(),
            domain.uuid());
        return;
      }
      if (status.get().state().isActive()) {
        hypervisor.destroy(domain.name());
      }
      if (status.get().persistent()) {
        hypervisor.undefine(domain.name());
      }
    });
  }

  @Override
  public void startDomain(DomainRef domain) {
    ActivityBoundary.run("start " + domain.name(), () -> {
      DomainStatus status = status(domain);
      if (!status.state().isActive()) {
        hypervisor.start(domain.name());
      }
    });
  }

  @Override
  public void stopDomain(DomainRef domain) {
    ActivityBoundary.run("stop " + domain.name(), () -> {
      DomainStatus status = status(domain);
      if (status.state().isActive()) {
        hypervisor.destroy(domain.name());
      }
    });
  }

  @Override
  public void restoreMemoryState(MemoryRestoreRequest request) {
    ActivityBoundary.run("resume " + request.domain() + " from its saved memory state", () -> {
      DomainStatus status = hypervisor.lookup(request.domain())
          .orElseThrow(() -> new HostFailure(FailureType.DOMAIN_NOT_FOUND, "domain " + request.domain() + " not found"));
      if (status.state().isActive()) {
        // An earlier attempt restored it and died before reporting.
        return;
      }
      BackupRef ref = request.backup();
      BackupRepository repository = repositories.open(ref.repository());
      Manifest manifest = repository.readManifest(ref.domain(), ref.backupId())
          .orElseThrow(() -> new HostFailure(FailureType.BACKUP_NOT_FOUND, "backup " + ref.backupId() + " is gone"));
      if (manifest.memoryState() == null) {
        throw new HostFailure(FailureType.INVALID_INPUT, "backup " + ref.backupId() + " has no memory state");
      }
      Path dir = repository.backupDir(ref.domain(), ref.backupId());
      hypervisor.restoreMemoryState(BackupFiles.resolve(dir, manifest.memoryState().file()).toString());
    });
  }

  private DomainStatus status(DomainRef domain) {
    DomainStatus status = hypervisor.lookup(domain.name())
        .orElseThrow(() -> new HostFailure(FailureType.DOMAIN_NOT_FOUND, "domain " + domain.name() + " not found"));
    if (domain.uuid() != null && !domain.uuid().equals(status.uuid())) {
      throw new HostFailure(FailureType.DOMAIN_STATE,
          "domain " + domain.name() + " now has UUID " + status.uuid() + ", not " + domain.uuid() + "; left alone");
    }
    return status;
  }

  private static void move(Path from, Path to) {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
