package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.DomainStatus;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.hypervisor.HypervisorException;
import dev.vmbackup.host.hypervisor.SnapshotOptions;
import dev.vmbackup.host.xml.SnapshotXml;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.SnapshotActivities;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.DiskOverlay;
import dev.vmbackup.workflows.model.SnapshotRequest;
import dev.vmbackup.workflows.model.SnapshotResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Takes the atomic external snapshot of a backup, and undoes it. */
public final class SnapshotActivitiesImpl implements SnapshotActivities {
  private static final Logger log = LoggerFactory.getLogger(SnapshotActivitiesImpl.class);

  private final Hypervisor hypervisor;
  private final OverlayMerger merger;

  public SnapshotActivitiesImpl(Hypervisor hypervisor, OverlayMerger merger) {
    this.hypervisor = hypervisor;
    this.merger = merger;
  }

  @Override
  public SnapshotResult createExternalSnapshot(SnapshotRequest plan) {
    return ActivityBoundary.run("snapshot " + plan.domain(), () -> create(plan));
  }

  @Override
  public void revertExternalSnapshot(SnapshotRequest plan) {
    ActivityBoundary.run("undo the snapshot of " + plan.domain(), () -> revert(plan));
  }

  private SnapshotResult create(SnapshotRequest plan) {
    DomainStatus status = hypervisor.lookup(plan.domain())
        .orElseThrow(() -> new HostFailure(FailureType.DOMAIN_NOT_FOUND, "domain " + plan.domain() + " not found"));
    if (!status.state().isActive() && plan.stateBefore().isActive()) {
      throw new HostFailure(FailureType.DOMAIN_STATE,
          "domain " + plan.domain() + " stopped before its snapshot could be taken");
    }
    if (Heartbeats.attempt() > 1) {
      awaitEarlierAttemptsJob(plan);
    }
    Map<String, String> sources = DomainDisks.sources(DomainDisks.current(hypervisor, plan.domain(), true));
    if (plan.overlays().stream().allMatch(o -> o.overlay().equals(sources.get(o.target())))) {
      // An earlier attempt took the snapshot and died before reporting it.
      return readMarker(plan).orElseGet(() -> unreportedSnapshot(plan));
    }
    for (DiskOverlay overlay : plan.overlays()) {
      String now = sources.get(overlay.target());
      if (!overlay.image().equals(now)) {
        throw new HostFailure(FailureType.DISK_CHAIN_CHANGED,
            "disk " + overlay.target() + " of " + plan.domain() + " is on " + now + " instead of " + overlay.image()
                + "; it changed since inspection");
      }
    }
    if (Heartbeats.attempt() > 1) {
      recoverFromEarlierAttempt(plan, status);
    }
    deleteLeftovers(plan);

    List<String> warnings = new ArrayList<>();
    CaptureMode capture = plan.capture();
    if (capture == CaptureMode.QUIESCE && !plan.agentAvailable()) {
      capture = CaptureMode.CRASH;
      warnings.add("the guest agent did not answer: crash-consistent snapshot instead of a quiesced one");
    }
    String xml = SnapshotXml.external(
        BackupLayout.snapshotName(plan.backupId()),
        plan.overlays().stream().map(o -> new SnapshotXml.Overlay(o.target(), o.overlay())).toList(),
        excludedTargets(plan, sources),
        capture == CaptureMode.MEMORY ? plan.memoryFile() : null);
    // The snapshot call spans every moment the guest can be held: frozen filesystems, the final pause
    // of a live memory save, the overlay switch. Its duration is an upper bound of the guest's stall.
    long started = System.nanoTime();
    try {
      hypervisor.createExternalSnapshot(plan.domain(), xml,
          new SnapshotOptions(capture == CaptureMode.QUIESCE, capture == CaptureMode.MEMORY));
    } catch (HypervisorException e) {
      if (capture != CaptureMode.QUIESCE || !quiesceProblem(e)) {
        throw e;
      }
      log.warn("quiesced snapshot of {} failed ({}); taking a crash-consistent one", plan.domain(), e.getMessage());
      deleteLeftovers(plan);
      capture = CaptureMode.CRASH;
      warnings.add("freezing the guest's filesystems failed (" + e.getMessage()
          + "): crash-consistent snapshot instead of a quiesced one");
      started = System.nanoTime();
      hypervisor.createExternalSnapshot(plan.domain(), xml, new SnapshotOptions(false, false));
    }
    SnapshotResult result = new SnapshotResult(capture, warnings, (System.nanoTime() - started) / 1_000_000);
    writeMarker(plan, result);
    return result;
  }

  private void revert(SnapshotRequest plan) {
    Optional<DomainStatus> status = hypervisor.lookup(plan.domain());
    if (status.isEmpty()) {
      log.warn("domain {} is gone; its overlays (if any) are left in place for inspection", plan.domain());
      return;
    }
    if (status.get().state().isActive()) {
      recoverFromEarlierAttempt(plan, status.get());
    }
    for (DiskOverlay overlay : plan.overlays()) {
      merger.merge(plan.domain(), overlay.target(), overlay.overlay(), overlay.image(), overlay.format(),
          job -> Heartbeats.beat(job));
    }
    deleteIfExists(plan.memoryFile());
    StepMarkers.delete(marker(plan));
  }

  /**
   * A worker killed inside the snapshot call leaves libvirtd to finish it: its retry waits until the
   * domain's job has ended, then sees the outcome. Touching the VM meanwhile (resuming it from the final
   * pause of a memory save, deleting the overlays being created) would break the snapshot in flight.
   */
  private void awaitEarlierAttemptsJob(SnapshotRequest plan) {
    if (Polling.untilDomainJobEnds(hypervisor, plan.domain(), "the domain job of " + plan.domain())) {
      log.warn("waited for a libvirt job on {}, probably the snapshot of an attempt that died", plan.domain());
    }
  }

  /**
   * What an attempt that died after libvirt took the snapshot achieved. A memory snapshot is complete
   * when the disks have switched: libvirt saves the memory first and deletes the file if anything after
   * fails. Whether a quiesced snapshot froze the filesystems (or fell back to a crash-consistent one)
   * cannot be known, so it is recorded as crash-consistent.
   */
  private static SnapshotResult unreportedSnapshot(SnapshotRequest plan) {
    if (plan.capture() == CaptureMode.MEMORY && plan.memoryFile() != null && nonEmpty(Path.of(plan.memoryFile()))) {
      return new SnapshotResult(CaptureMode.MEMORY,
          List.of("the snapshot was taken by an attempt that did not report back"), 0);
    }
    return new SnapshotResult(CaptureMode.CRASH,
        List.of("the snapshot was taken by an attempt that did not report back; whether the guest's"
            + " filesystems were frozen is unknown, so it is recorded as crash-consistent"), 0);
  }

  private static boolean nonEmpty(Path file) {
    try {
      return Files.isRegularFile(file) && Files.size(file) > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A snapshot attempt that died inside libvirt may leave the guest frozen or paused; resume and thaw
   * it, but never resume a VM that was paused before the backup began. Resumed first: libvirt asks
   * the guest agent nothing while the guest is paused, so a frozen guest looks thawed until then.
   */
  private void recoverFromEarlierAttempt(SnapshotRequest plan, DomainStatus status) {
    if (status.state() == DomainState.PAUSED && plan.stateBefore() == DomainState.RUNNING) {
      log.warn("resuming {}, left paused by an interrupted snapshot", plan.domain());
      hypervisor.resume(plan.domain());
    }
    if (hypervisor.filesystemsFrozen(plan.domain())) {
      log.warn("thawing the filesystems of {}, left frozen by an interrupted snapshot", plan.domain());
      hypervisor.thawFilesystems(plan.domain());
    }
  }

  /** Overlay files and a memory file of an attempt that failed before the VM switched to them. */
  private void deleteLeftovers(SnapshotRequest plan) {
    plan.overlays().forEach(overlay -> deleteIfExists(overlay.overlay()));
    deleteIfExists(plan.memoryFile());
  }

  private static List<String> excludedTargets(SnapshotRequest plan, Map<String, String> sources) {
    List<String> planned = plan.overlays().stream().map(DiskOverlay::target).toList();
    return sources.keySet().stream().filter(target -> !planned.contains(target)).toList();
  }

  private static boolean quiesceProblem(HypervisorException e) {
    return e.kind() == HypervisorException.Kind.AGENT_UNAVAILABLE
        || e.kind() == HypervisorException.Kind.REFUSED
        || e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("agent");
  }

  /**
   * The snapshot's outcome, kept in the partial backup directory so that a retry after a crash can
   * report what the first attempt achieved; the copy step removes it.
   */
  static Path marker(SnapshotRequest plan) {
    return Path.of(plan.partialDir(), BackupLayout.SNAPSHOT_MARKER);
  }

  private Optional<SnapshotResult> readMarker(SnapshotRequest plan) {
    return StepMarkers.read(marker(plan), SnapshotResult.class);
  }

  private void writeMarker(SnapshotRequest plan, SnapshotResult result) {
    try {
      StepMarkers.write(marker(plan), result);
    } catch (UncheckedIOException e) {
      // The marker only refines what a retry reports; the snapshot itself is done.
      log.warn("could not record the snapshot of {}: {}", plan.domain(), e.getMessage());
    }
  }

  private static void deleteIfExists(String path) {
    if (path == null) {
      return;
    }
    HostFiles.deleteIfExists(Path.of(path));
  }
}
