package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.SavedStateActivities;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.MergeRequest;
import dev.vmbackup.workflows.model.DiskOverlay;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.RepositoryCopyResult;
import dev.vmbackup.workflows.model.SavedStateRequest;
import dev.vmbackup.workflows.model.SavedStateResult;
import dev.vmbackup.workflows.model.SnapshotRequest;
import dev.vmbackup.workflows.model.SnapshotResult;
import io.temporal.failure.ApplicationFailure;
import java.util.List;

/**
 * Strategy {@code full}: one atomic external snapshot, a copy of every frozen image (and its backing
 * layers), then an active block commit with pivot per disk. Each backup stands alone.
 */
final class FullBackup implements BackupStrategy {
  @Override
  public Outcome run(BackupContext context) {
    CaptureMode requested = context.request().capture();
    DomainInfo domain = context.domain();
    if (requested == CaptureMode.SAVED_STATE && domain.state().isActive()) {
      return savedState(context);
    }
    HostSteps steps = context.steps();
    PreparedBackup prepared = context.prepared();
    CaptureMode captured = requested;
    Long snapshotMillis = null;
    SnapshotRequest plan = null;
    if (domain.state().isActive()) {
      context.step().accept("snapshot");
      plan = planSnapshot(domain, prepared, requested);
      SnapshotRequest undo = plan;
      context.compensations().add(() -> steps.undoSnapshot.revertExternalSnapshot(undo));
      SnapshotResult snapshot = steps.snapshot.createExternalSnapshot(plan);
      context.afterFreeze().run();
      captured = snapshot.capture();
      snapshotMillis = snapshot.pausedMillis() > 0 ? snapshot.pausedMillis() : null;
      context.warnings().addAll(snapshot.warnings());
    } else if (requested != CaptureMode.CRASH) {
      // A shut-off VM's disks are consistent as they are; there is no memory or agent to capture.
      captured = CaptureMode.CRASH;
      context.warnings().add("domain was shut off: its disks were copied as they are, without a snapshot");
    }

    context.step().accept("copy");
    RepositoryCopyResult published = steps.repositoryCopy.copyToRepository(context.repositoryCopyRequest(
        requested, captured, domain.disks(), plan == null ? null : plan.memoryFile(), plan == null, null, null, null));

    if (plan != null) {
      context.step().accept("merge");
      mergeOverlays(steps, plan);
    }
    return new Outcome(published, captured, null, null, snapshotMillis);
  }

  /**
   * Capture {@code saved-state} (the stoney cloud method): the VM is saved and stopped, each image is
   * renamed aside and a new overlay backed by it takes its path, the VM is restored from the saved
   * state onto the overlays, the frozen data is pulled into them (so the VM ends on its own paths with
   * the same chain shape as before) and the frozen images move into the backup instead of being
   * copied. The saved state is written into the backup directory and kept as its memory state.
   */
  private static Outcome savedState(BackupContext context) {
    HostSteps steps = context.steps();
    DomainInfo domain = context.domain();
    PreparedBackup prepared = context.prepared();

    domain.disks().stream().filter(disk -> !"qcow2".equals(disk.format())).findFirst().ifPresent(disk -> {
      // The overlay that takes the image's place is qcow2; the VM would end on a disk of another format.
      throw ApplicationFailure.newNonRetryableFailure(
          "capture saved-state with strategy full needs qcow2 disks, and disk " + disk.target() + " of "
              + domain.name() + " is " + disk.format() + "; use strategy chain, or another capture mode",
          FailureType.UNSUPPORTED_DISK.name());
    });
    context.step().accept("snapshot");
    SavedStateRequest plan = savedStateRequest(domain, prepared);
    SavedStateResult saved = SavedStateCapture.saveAndRestore(context, plan);

    context.step().accept("merge");
    SavedStateActivities pull = steps.mustFinish(SavedStateActivities.class);
    Uninterruptible.run(() -> pull.pullIntoOverlays(plan));

    context.step().accept("copy");
    steps.longRunning(SavedStateActivities.class).retainFrozenImages(plan);
    RepositoryCopyResult published = steps.repositoryCopy.copyToRepository(context.repositoryCopyRequest(CaptureMode.SAVED_STATE,
        CaptureMode.SAVED_STATE, domain.disks(), plan.stateFile(), false, null, null, saved.stoppedMillis()));
    return new Outcome(published, CaptureMode.SAVED_STATE, null, saved.stoppedMillis());
  }

  /** Each image is renamed to {@code <image>.vmbackup-<backupId>.frozen}; its overlay takes the image's path. */
  static SavedStateRequest savedStateRequest(DomainInfo domain, PreparedBackup prepared) {
    List<SavedStateRequest.Disk> disks = domain.disks().stream()
        .map(disk -> new SavedStateRequest.Disk(disk.target(), disk.source(), disk.format(),
            BackupLayout.frozenImage(disk.source(), prepared.backupId()), disk.source()))
        .toList();
    return new SavedStateRequest(domain.name(), prepared.backupId(), BackupLayout.memoryFile(prepared.partialDir()),
        prepared.partialDir(), disks, domain.state());
  }

  /**
   * Folds every overlay back. This runs detached from cancellation: once the merge has begun, the
   * quickest way back to a clean VM is to finish it, and a cancellation is honoured right after.
   */
  static void mergeOverlays(HostSteps steps, SnapshotRequest plan) {
    Uninterruptible.run(() -> {
      for (DiskOverlay overlay : plan.overlays()) {
        steps.merge.blockCommit(new MergeRequest(
            plan.domain(), overlay.target(), overlay.overlay(), overlay.image(), overlay.format()));
      }
    });
  }

  /** Overlays beside the images, named after the backup so they never collide with a user's files. */
  static SnapshotRequest planSnapshot(DomainInfo domain, PreparedBackup prepared, CaptureMode capture) {
    List<DiskOverlay> overlays = domain.disks().stream()
        .map(disk -> new DiskOverlay(
            disk.target(), disk.source(), disk.format(), BackupLayout.temporaryOverlay(disk.source(), prepared.backupId())))
        .toList();
    String memoryFile = capture == CaptureMode.MEMORY ? BackupLayout.memoryFile(prepared.partialDir()) : null;
    return new SnapshotRequest(domain.name(), prepared.backupId(), capture, domain.agentAvailable(), overlays,
        prepared.partialDir(), memoryFile, domain.state());
  }
}
