package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.SavedStateActivities;
import dev.vmbackup.workflows.model.SavedStateRequest;
import dev.vmbackup.workflows.model.SavedStateResult;

/** Capture {@code saved-state}, the step strategies full and chain share. */
final class SavedStateCapture {
  private SavedStateCapture() {}

  /**
   * Saves the VM, freezes its images and restores it onto the new overlays. Its compensation is
   * registered after the snapshot's, so that it runs first: a VM left stopped is brought back before
   * the overlay is committed. The step runs detached from cancellation: its undo must never run while
   * it still stops or restores the VM, so a cancellation waits for it and is honoured right after.
   */
  static SavedStateResult saveAndRestore(BackupContext context, SavedStateRequest plan) {
    SavedStateActivities saved = context.steps().forward(SavedStateActivities.class);
    SavedStateActivities undo = context.steps().mustFinish(SavedStateActivities.class);
    context.compensations().add(() -> undo.undoSaveAndRestore(plan));
    SavedStateResult result = Uninterruptible.call(() -> saved.saveAndRestore(plan));
    context.warnings().addAll(result.warnings());
    return result;
  }
}
