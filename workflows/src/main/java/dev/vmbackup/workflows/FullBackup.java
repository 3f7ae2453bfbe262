package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.MergeRequest;
import dev.vmbackup.workflows.model.OverlayPlan;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.RetainRequest;
import dev.vmbackup.workflows.model.RetainResult;
import dev.vmbackup.workflows.model.SnapshotPlan;
import dev.vmbackup.workflows.model.SnapshotResult;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.util.List;

/**
 * Strategy {@code full}: one atomic external snapshot, a copy of every frozen image (and its backing
 * layers), then an active block commit with pivot per disk. Each backup stands alone.
 */
final class FullBackup implements BackupStrategy {
  @Override
  public Outcome run(BackupContext context) {
    HostSteps steps = context.steps();
    DomainInfo domain = context.domain();
    PreparedBackup prepared = context.prepared();
    CaptureMode requested = context.request().capture();

    CaptureMode captured = requested;
    SnapshotPlan plan = null;
    if (domain.state().isActive()) {
      context.step().accept("snapshot");
      plan = planSnapshot(domain, prepared, requested);
      SnapshotPlan undo = plan;
      context.compensations().add(() -> steps.undoSnapshot.revertExternalSnapshot(undo));
      SnapshotResult snapshot = steps.snapshot.createExternalSnapshot(plan);
      context.afterFreeze().run();
      captured = snapshot.capture();
      context.warnings().addAll(snapshot.warnings());
    } else if (requested != CaptureMode.CRASH) {
      // A shut-off VM's disks are consistent as they are; there is no memory or agent to capture.
      captured = CaptureMode.CRASH;
      context.warnings().add("domain was shut off: its disks were copied as they are, without a snapshot");
    }

    context.step().accept("copy");
    RetainResult retained = steps.retain.copyToRepository(new RetainRequest(
        domain.repository(),
        domain.name(),
        prepared.backupId(),
        prepared.partialDir(),
        prepared.finalDir(),
        steps.host,
        domain.uuid(),
        context.request().strategy(),
        requested,
        captured,
        context.warnings(),
        domain.disks(),
        plan == null ? null : plan.memoryFile(),
        domain.nvram(),
        context.startedAt(),
        plan == null));

    if (plan != null) {
      context.step().accept("merge");
      mergeOverlays(steps, plan);
    }
    return new Outcome(retained, captured);
  }

  /**
   * Folds every overlay back. This runs detached from cancellation: once the merge has begun, the
   * quickest way back to a clean VM is to finish it, and a cancellation is honoured right after.
   */
  static void mergeOverlays(HostSteps steps, SnapshotPlan plan) {
    Workflow.newDetachedCancellationScope(
            () -> {
              for (OverlayPlan overlay : plan.overlays()) {
                steps.merge.blockCommit(new MergeRequest(
                    plan.domain(), overlay.target(), overlay.overlay(), overlay.image(), overlay.format()));
              }
            })
        .run();
    // A cancellation that arrived during the merge surfaces here, with the VM already clean.
    CancellationScope.throwCanceled();
  }

  /** Overlays beside the images, named after the backup so they never collide with a user's files. */
  static SnapshotPlan planSnapshot(DomainInfo domain, PreparedBackup prepared, CaptureMode capture) {
    List<OverlayPlan> overlays = domain.disks().stream()
        .map(disk -> new OverlayPlan(
            disk.target(), disk.source(), disk.format(), disk.source() + ".vmbackup-" + prepared.backupId() + ".qcow2"))
        .toList();
    String memoryFile = capture == CaptureMode.MEMORY ? prepared.partialDir() + "/memory.save" : null;
    return new SnapshotPlan(domain.name(), prepared.backupId(), capture, domain.agentAvailable(), overlays,
        prepared.partialDir(), memoryFile, domain.state());
  }
}
