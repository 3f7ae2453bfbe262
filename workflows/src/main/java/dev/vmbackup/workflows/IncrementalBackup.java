package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.BackupJobActivities;
import dev.vmbackup.workflows.activities.CheckpointActivities;
import dev.vmbackup.workflows.model.BackupJobRequest;
import dev.vmbackup.workflows.model.BackupJobResult;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.CheckpointDeletion;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.IncrementalDecision;
import dev.vmbackup.workflows.model.IncrementalDisk;
import dev.vmbackup.workflows.model.IncrementalDecisionRequest;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.RepositoryCopyResult;
import dev.vmbackup.workflows.model.Strategy;
import io.temporal.failure.ApplicationFailure;
import java.util.List;

/**
 * Strategies {@code incremental} and {@code differential}: libvirt's backup API with checkpoints. A
 * push-mode backup job writes each disk into a qcow2 image in the repository while the guest keeps
 * running (never paused, no overlay to merge); the job creates the next checkpoint atomically with its
 * start. The first backup of a chain copies whole disks; an incremental copies only the clusters
 * changed since its parent's checkpoint into an image whose header names the parent's image as its
 * backing file, so that "unallocated" means "unchanged" and a restore stacks the images as they are.
 * A differential copies the changes since the chain's full backup and creates no checkpoint.
 *
 * <p>Whether the chain can go on is decided on the host ({@link CheckpointActivities#planIncrementalBackup});
 * a new full backup records why in the manifest's warnings.
 */
final class IncrementalBackup implements BackupStrategy {
  @Override
  public Outcome run(BackupContext context) {
    BackupRequest request = context.request();
    DomainInfo domain = context.domain();
    if (!domain.state().isActive()) {
      // The backup API needs a running QEMU. A shut-off VM's disks do not change, so a standalone
      // copy outside the chain is consistent, and the next incremental still goes on from the last
      // checkpoint: everything written since then is in its bitmap.
      context.warnings().add("domain was shut off: libvirt's backup API needs a running VM, so this is a"
          + " standalone full copy outside the chain of incrementals");
      return new FullBackup().run(context);
    }
    HostSteps steps = context.steps();
    CheckpointActivities checkpoints = steps.forward(CheckpointActivities.class);
    BackupJobActivities job = steps.longRunning(BackupJobActivities.class);
    BackupJobActivities undoJob = steps.mustFinish(BackupJobActivities.class);
    PreparedBackup prepared = context.prepared();

    context.step().accept("plan");
    IncrementalDecision decision = checkpoints.planIncrementalBackup(new IncrementalDecisionRequest(
        domain, request.strategy(), request.fullEvery(), request.allowFullFallback()));
    if (decision.reason() != null) {
      context.warnings().add("new full backup: " + decision.reason());
    }
    context.warnings().addAll(decision.warnings());
    if (!decision.staleCheckpoints().isEmpty()) {
      context.step().accept("checkpoints");
      checkpoints.deleteCheckpoints(new CheckpointDeletion(domain.name(), decision.staleCheckpoints()));
    }

    context.step().accept("backup");
    BackupJobRequest plan = plan(decision, request, domain, prepared);
    context.compensations().add(() -> undoJob.cancelBackupJob(plan));
    BackupJobResult result = job.runBackupJob(plan);
    context.warnings().addAll(result.warnings());

    context.step().accept("publish");
    RepositoryCopyResult published = job.publishIncrementalBackup(context.publishRequest(
        result.capture(), plan.disks(), decision.parentBackupId(), plan.checkpoint(), result.totalTransferred()));
    return new Outcome(published, result.capture(), decision.parentBackupId(), null);
  }

  /**
   * The job of this backup: images named after the disks in the partial directory; an incremental's
   * image is backed by the parent's image of the same disk, by a path relative to the repository's
   * layout, so that the repository can move without breaking its chains. A full backup and an
   * incremental create the checkpoint the next incremental starts from; a differential does not.
   */
  static BackupJobRequest plan(
      IncrementalDecision decision, BackupRequest request, DomainInfo domain, PreparedBackup prepared) {
    List<IncrementalDisk> disks = decision.disks().stream()
        .map(disk -> {
          String backing = null;
          if (!decision.full()) {
            if (disk.parentFile() == null) {
              throw ApplicationFailure.newNonRetryableFailure(
                  "backup " + decision.parentBackupId() + " has no image of disk " + disk.target(),
                  Failures.INTERNAL);
            }
            backing = BackupLayout.parentImage(decision.parentBackupId(), disk.parentFile());
          }
          return new IncrementalDisk(disk.target(), disk.source(), disk.format(), disk.virtualSize(),
              BackupLayout.imagePath(prepared.partialDir(), disk.target(), disk.format()), backing);
        })
        .toList();
    boolean createsCheckpoint = decision.checkpoints()
        && (decision.full() || request.strategy() == Strategy.INCREMENTAL);
    return new BackupJobRequest(
        domain.name(),
        prepared.backupId(),
        prepared.partialDir(),
        createsCheckpoint ? IncrementalDecisions.checkpointName(prepared.backupId()) : null,
        decision.full() ? null : decision.incrementalFrom(),
        disks,
        request.capture(),
        domain.agentAvailable());
  }
}
