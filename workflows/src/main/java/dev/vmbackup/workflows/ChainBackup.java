package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.ChainActivities;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.ChainState;
import dev.vmbackup.workflows.model.ChainStateRequest;
import dev.vmbackup.workflows.model.ConsolidateRequest;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.RepositoryCopyResult;
import dev.vmbackup.workflows.model.SavedStateRequest;
import dev.vmbackup.workflows.model.SavedStateResult;
import dev.vmbackup.workflows.model.SnapshotRequest;
import dev.vmbackup.workflows.model.SnapshotResult;
import io.temporal.workflow.Workflow;

/**
 * Strategy {@code chain}: forward-incremental external overlays. Every run freezes the VM's active
 * image under a new overlay (named after the backup, beside the VM's own image) and leaves the VM
 * running on that overlay; nothing is merged back. The first run of a VM, and any run that finds the
 * chain changed outside vmbackup, copies the whole frozen chain (a new chain); every other run copies
 * only the layer it froze, which holds exactly what the guest wrote since the previous backup, and
 * records that backup as its parent.
 *
 * <p>When one more overlay would exceed {@code maxChainLength}, the layers below the active overlay
 * are first committed down into the VM's own image (see {@link ChainActivities#consolidate}): a
 * commit of inactive layers needs no pivot, keeps the active overlay (so this run's incremental stays
 * small) and leaves the VM on its own image at its own path. The repository is not touched by it.
 */
final class ChainBackup implements BackupStrategy {
  /** Change id of chain runs that start a new chain once it holds {@code fullEvery} incrementals. */
  static final String FULL_EVERY_CHANGE = "chain-full-every";

  @Override
  public Outcome run(BackupContext context) {
    HostSteps steps = context.steps();
    DomainInfo domain = context.domain();
    PreparedBackup prepared = context.prepared();
    CaptureMode requested = context.request().capture();

    context.step().accept("chain");
    ChainState state = steps.forward(ChainActivities.class).readChainState(
        new ChainStateRequest(domain.repository(), domain.name(), domain.disks()));
    ChainDecisions.Decision decision =
        ChainDecisions.decide(domain, state, context.request().effectiveMaxChainLength(), context.repairs());
    String fullEvery =
        decision.continues() ? ChainDecisions.fullEveryReached(state, context.request().fullEvery()) : null;
    // Runs recorded before this rule continued such chains, so only a run the rule changes asks for (and
    // records) the version: every other history stays as it was.
    if (fullEvery != null && Workflow.getVersion(FULL_EVERY_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1) {
      decision = decision.newChain(fullEvery);
    }
    if (decision.newChainReason() != null) {
      context.warnings().add("new chain: " + decision.newChainReason());
    }

    if (!decision.consolidate().isEmpty()) {
      context.step().accept("consolidate");
      consolidate(steps, new ConsolidateRequest(domain.name(), decision.consolidate()));
    }

    context.step().accept("snapshot");
    CaptureMode captured = requested;
    if (!domain.state().isActive() && requested != CaptureMode.CRASH) {
      // A shut-off VM's disks are consistent as they are; there is no memory or agent to capture. Its
      // definition still moves onto the new overlays, so that a start during the copy cannot touch
      // the frozen layer.
      captured = CaptureMode.CRASH;
      context.warnings().add("domain was shut off: its disks were frozen as they are");
    }
    SnapshotRequest plan = ChainDecisions.snapshotRequest(domain, prepared, captured == CaptureMode.SAVED_STATE
        ? CaptureMode.CRASH : captured);
    // Undoing the snapshot commits the new overlay back into the image it froze (never further down)
    // and pivots, so the VM ends where this run found it.
    context.compensations().add(() -> steps.undoSnapshot.revertExternalSnapshot(plan));
    Long stoppedMillis = null;
    Long snapshotMillis = null;
    String memoryFile = plan.memoryFile();
    if (captured == CaptureMode.SAVED_STATE) {
      SavedStateRequest saved = ChainDecisions.savedStateRequest(domain, prepared);
      SavedStateResult result = SavedStateCapture.saveAndRestore(context, saved);
      stoppedMillis = result.stoppedMillis();
      memoryFile = saved.stateFile();
    } else {
      SnapshotResult snapshot = steps.snapshot.createExternalSnapshot(plan);
      captured = snapshot.capture();
      snapshotMillis = snapshot.pausedMillis() > 0 ? snapshot.pausedMillis() : null;
      context.warnings().addAll(snapshot.warnings());
    }

    context.step().accept("copy");
    RepositoryCopyResult published = steps.repositoryCopy.copyToRepository(context.repositoryCopyRequest(
        requested,
        captured,
        ChainDecisions.disksToCopy(domain, decision),
        memoryFile,
        false,
        decision.continues() ? decision.parent().backupId() : null,
        ChainDecisions.record(domain, plan, decision),
        stoppedMillis));
    return new Outcome(
        published, captured, decision.continues() ? decision.parent().backupId() : null, stoppedMillis, snapshotMillis);
  }

  /**
   * Runs detached from cancellation, like the merge of strategy full: a block commit that has begun is
   * finished (the VM is on a valid chain throughout), and a cancellation is honoured right after.
   */
  static void consolidate(HostSteps steps, ConsolidateRequest request) {
    ChainActivities chain = steps.longRunning(ChainActivities.class);
    Uninterruptible.run(() -> chain.consolidate(request));
  }
}
