package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.process.CommandFailedException;
import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.host.xml.DomainXml;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.SavedStateActivities;
import dev.vmbackup.workflows.model.CopyProgress;
import dev.vmbackup.workflows.model.SavedStateRequest;
import dev.vmbackup.workflows.model.SavedStateResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Capture {@code saved-state}: the VM's state is saved to a file, which stops it; its images are frozen
 * while it is stopped and it is restored from the file onto new overlays. A marker in the partial
 * backup directory records when the save began and when the restore ended, so that a retry knows how
 * far an earlier attempt got and the stopped time survives a crash of the worker.
 */
public final class SavedStateActivitiesImpl implements SavedStateActivities {
  private static final Logger log = LoggerFactory.getLogger(SavedStateActivitiesImpl.class);

  /**
   * @param savedAtMillis wall clock just before the save began
   * @param restoredAtMillis wall clock just after the restore returned, or null before
   */
  record Marker(long savedAtMillis, Long restoredAtMillis) {}

  private final Hypervisor hypervisor;
  private final ImageTool images;
  private final SparseCopier copier;
  private final LayerJobs jobs;

  public SavedStateActivitiesImpl(Hypervisor hypervisor, ImageTool images, SparseCopier copier,
      long mergeBytesPerSecond) {
    this.hypervisor = hypervisor;
    this.images = images;
    this.copier = copier;
    this.jobs = new LayerJobs(hypervisor, images, mergeBytesPerSecond);
  }

  @Override
  public SavedStateResult saveAndRestore(SavedStateRequest plan) {
    return ActivityBoundary.run("save and restore " + plan.domain(), () -> saveAndRestoreNow(plan));
  }

  private SavedStateResult saveAndRestoreNow(SavedStateRequest plan) {
    if (Heartbeats.attempt() > 1) {
      // A worker killed inside the save leaves libvirtd to finish it; the state file is not to be
      // touched until then.
      Polling.untilDomainJobEnds(hypervisor, plan.domain(), "the save of " + plan.domain());
    }
    DomainStatus status = status(plan.domain());
    Optional<Marker> marker = readMarker(plan);
    List<String> warnings = new ArrayList<>();
    if (status.state().isActive()) {
      if (marker.isPresent() && onOverlays(plan)) {
        // An earlier attempt restored the VM and died before reporting it.
        Marker done = marker.get();
        if (done.restoredAtMillis() == null) {
          warnings.add("the attempt that restored the VM did not report back: the stopped time is an upper bound");
          done = new Marker(done.savedAtMillis(), System.currentTimeMillis());
          writeMarker(plan, done);
        }
        pointPersistentDefinition(plan);
        return new SavedStateResult(done.restoredAtMillis() - done.savedAtMillis(), warnings);
      }
      requireOnImages(plan);
      HostFiles.deleteIfExists(Path.of(plan.stateFile()));
      marker = Optional.of(new Marker(System.currentTimeMillis(), null));
      writeMarker(plan, marker.get());
      log.info("saving the state of {} to {}", plan.domain(), plan.stateFile());
      hypervisor.saveState(plan.domain(), plan.stateFile());
    } else if (marker.isEmpty() || !Files.exists(Path.of(plan.stateFile()))) {
      throw new HostFailure(FailureType.DOMAIN_STATE,
          "domain " + plan.domain() + " stopped before its state could be saved; back it up once it runs");
    }

    // The VM is stopped now, its state in the file: freeze its images and put the overlays in place.
    for (SavedStateRequest.Disk disk : plan.disks()) {
      freeze(disk);
    }
    String xml = hypervisor.savedStateXml(plan.stateFile());
    for (SavedStateRequest.Disk disk : plan.disks()) {
      // Also drops the recorded backing chain, which names the old one: libvirt probes the overlay's.
      xml = DomainXml.withDiskSource(xml, disk.target(), disk.overlay(), "qcow2");
    }
    hypervisor.restoreState(plan.stateFile(), xml);
    Marker done = new Marker(marker.get().savedAtMillis(), System.currentTimeMillis());
    writeMarker(plan, done);
    log.info("{} was stopped for {} ms", plan.domain(), done.restoredAtMillis() - done.savedAtMillis());
    pointPersistentDefinition(plan);
    return new SavedStateResult(done.restoredAtMillis() - done.savedAtMillis(), warnings);
  }

  /** Renames the image aside if planned, and creates the overlay on the frozen image; idempotent. */
  private void freeze(SavedStateRequest.Disk disk) {
    Path image = Path.of(disk.image());
    Path frozen = Path.of(disk.frozen());
    Path overlay = Path.of(disk.overlay());
    if (disk.renamed() && !Files.exists(frozen)) {
      if (!Files.exists(image)) {
        throw new HostFailure(FailureType.DISK_CHAIN_CHANGED, "image " + image + " of disk " + disk.target()
            + " is gone");
      }
      move(image, frozen);
    }
    if (Files.exists(overlay) && !isOverlayOn(overlay, frozen)) {
      // Left half-made by an attempt that died in qemu-img: the frozen image exists, so the file at
      // the overlay's path is this backup's own.
      HostFiles.deleteIfExists(overlay);
    }
    if (!Files.exists(overlay)) {
      images.createOverlay(overlay, frozen, disk.format());
    }
  }

  private boolean isOverlayOn(Path overlay, Path frozen) {
    try {
      return frozen.toString().equals(images.info(overlay).fullBackingFilename());
    } catch (CommandFailedException e) {
      return false;
    }
  }

  /** Strategy chain keeps the overlays: the persistent definition must name them as the live one does. */
  private void pointPersistentDefinition(SavedStateRequest plan) {
    if (!hypervisor.lookup(plan.domain()).map(DomainStatus::persistent).orElse(false)
        || plan.disks().stream().allMatch(SavedStateRequest.Disk::renamed)) {
      return;
    }
    String xml = hypervisor.domainXml(plan.domain(), true);
    for (SavedStateRequest.Disk disk : plan.disks()) {
      if (!disk.renamed()) {
        xml = DomainXml.withDiskSource(xml, disk.target(), disk.overlay(), "qcow2");
      }
    }
    hypervisor.define(xml);
  }

  /** Every disk runs on its overlay, backed by its frozen image. */
  private boolean onOverlays(SavedStateRequest plan) {
    for (SavedStateRequest.Disk disk : plan.disks()) {
      List<String> chain = jobs.liveChain(plan.domain(), disk.target());
      if (chain.size() < 2 || !chain.get(0).equals(disk.overlay()) || !chain.get(1).equals(disk.frozen())) {
        return false;
      }
    }
    return true;
  }

  private void requireOnImages(SavedStateRequest plan) {
    for (SavedStateRequest.Disk disk : plan.disks()) {
      String now = jobs.liveChain(plan.domain(), disk.target()).get(0);
      if (!now.equals(disk.image()) || (disk.renamed() && Files.exists(Path.of(disk.frozen())))) {
        throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
            "disk " + disk.target() + " of " + plan.domain() + " is on " + now + " instead of " + disk.image()
                + "; it changed since inspection");
      }
    }
  }

  @Override
  public void undoSaveAndRestore(SavedStateRequest plan) {
    ActivityBoundary.run("bring " + plan.domain() + " back from its saved state", () -> undo(plan));
  }

  private void undo(SavedStateRequest plan) {
    Optional<DomainStatus> status = hypervisor.lookup(plan.domain());
    if (status.isEmpty()) {
      log.warn("domain {} is gone; its images are left as they are for inspection", plan.domain());
      return;
    }
    Optional<Marker> marker = readMarker(plan);
    if (status.get().state().isActive() || marker.map(m -> m.restoredAtMillis() != null).orElse(false)) {
      // The VM runs (or ran) on the overlays and wrote to them: keep them, and make the ones that took
      // an image's place need nothing of this backup. Overlays beside the images are committed back
      // by the snapshot's compensation.
      for (SavedStateRequest.Disk disk : plan.disks()) {
        if (disk.renamed()) {
          jobs.pullOut(plan.domain(), disk.target(), disk.image(), disk.frozen(), Heartbeats::beat);
          HostFiles.deleteIfExists(Path.of(disk.frozen()));
        }
      }
      return;
    }
    if (marker.isEmpty()) {
      // The save never began: nothing of this step to undo.
      return;
    }
    // Stopped by the save and never restored: the overlays hold nothing; put the images back.
    for (SavedStateRequest.Disk disk : plan.disks()) {
      if (disk.renamed()) {
        if (Files.exists(Path.of(disk.frozen()))) {
          HostFiles.deleteIfExists(Path.of(disk.image()));
          move(Path.of(disk.frozen()), Path.of(disk.image()));
        }
      } else {
        HostFiles.deleteIfExists(Path.of(disk.overlay()));
      }
    }
    if (Files.exists(Path.of(plan.stateFile()))) {
      try {
        log.warn("restoring {} from {}, where the backup left it saved", plan.domain(), plan.stateFile());
        hypervisor.restoreState(plan.stateFile(), null);
        return;
      } catch (HypervisorException e) {
        if (e.kind() == HypervisorException.Kind.CONNECTION) {
          throw e;
        }
        log.warn("the saved state of {} cannot be restored ({}); starting it instead", plan.domain(), e.getMessage());
      }
    } else {
      log.warn("the saved state of {} is gone; starting it instead", plan.domain());
    }
    hypervisor.start(plan.domain());
  }

  @Override
  public void pullIntoOverlays(SavedStateRequest plan) {
    ActivityBoundary.run("pull the frozen images of " + plan.domain() + " into its disks", () -> {
      for (SavedStateRequest.Disk disk : plan.disks()) {
        if (disk.renamed()) {
          jobs.pullOut(plan.domain(), disk.target(), disk.image(), disk.frozen(), Heartbeats::beat);
        }
      }
    });
  }

  @Override
  public void retainFrozenImages(SavedStateRequest plan) {
    ActivityBoundary.run("move the frozen images of " + plan.domain() + " into the backup", () -> {
      Path partial = Path.of(plan.partialDir());
      for (SavedStateRequest.Disk disk : plan.disks()) {
        if (!disk.renamed()) {
          continue;
        }
        String name = BackupLayout.imageName(disk.target(), 0, disk.format());
        Path destination = partial.resolve(name);
        Path frozen = Path.of(disk.frozen());
        if (Files.exists(frozen)) {
          if (hypervisor.lookup(plan.domain()).map(s -> s.state().isActive()).orElse(false)
              && jobs.liveChain(plan.domain(), disk.target()).contains(disk.frozen())) {
            throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
                disk.frozen() + " is still part of the chain of " + plan.domain() + " " + disk.target());
          }
          long written = moveOrCopy(frozen, destination);
          record(partial, name, destination, written);
        } else if (Files.exists(destination)) {
          // Moved by an attempt that died before recording it.
          record(partial, name, destination, 0);
        } else {
          throw new HostFailure(FailureType.BACKUP_NOT_FOUND,
              "the frozen image " + frozen + " of disk " + disk.target() + " is gone");
        }
      }
    });
  }

  /**
   * A rename when the repository shares the image's filesystem (nothing is copied), else a sparse copy
   * followed by deleting the frozen image. Returns the bytes written.
   */
  private long moveOrCopy(Path frozen, Path destination) {
    try {
      Files.move(frozen, destination, StandardCopyOption.ATOMIC_MOVE);
      return 0;
    } catch (AtomicMoveNotSupportedException e) {
      log.info("{} is on another filesystem than the repository; copying it", frozen);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      SparseCopier.Copied copied = copier.copy(frozen, destination, 0,
          at -> Heartbeats.beat(new CopyProgress(0, at, at, 0)));
      Files.delete(frozen);
      return copied.bytesWritten();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void record(Path partial, String name, Path file, long written) {
    try {
      String sha256 = Checksums.sha256(file, () -> Heartbeats.beat(null));
      StepMarkers.writeDone(partial, name, new SparseCopier.Copied(Files.size(file), written, sha256));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private DomainStatus status(String domain) {
    return hypervisor.lookup(domain).orElseThrow(
        () -> new HostFailure(FailureType.DOMAIN_NOT_FOUND, "domain " + domain + " not found"));
  }

  private static Path marker(SavedStateRequest plan) {
    return Path.of(plan.partialDir(), BackupLayout.SAVED_STATE_MARKER);
  }

  private static Optional<Marker> readMarker(SavedStateRequest plan) {
    return StepMarkers.read(marker(plan), Marker.class);
  }

  private static void writeMarker(SavedStateRequest plan, Marker marker) {
    StepMarkers.write(marker(plan), marker);
  }

  private static void move(Path from, Path to) {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
