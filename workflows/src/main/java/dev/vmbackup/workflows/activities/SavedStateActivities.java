package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.SavedStateRequest;
import dev.vmbackup.workflows.model.SavedStateResult;
import io.temporal.activity.ActivityInterface;

/** Capture {@code saved-state}: save the VM, freeze its images, restore it onto new overlays. */
@ActivityInterface
public interface SavedStateActivities {
  /**
   * Saves the VM's state into the request's state file (the VM stops), freezes each image (renamed aside
   * or left in place, as planned), creates the overlays, restores the VM from the state file onto them
   * and points the persistent definition at them. Returns how long the VM was stopped. Idempotent: a
   * retry continues where an earlier attempt stopped.
   */
  SavedStateResult saveAndRestore(SavedStateRequest plan);

  /**
   * Compensation: brings the VM back first. A VM left stopped is restored from the state file onto
   * valid images (the renamed images moved back), or started if the state file cannot be used. A VM
   * restored onto an overlay at its image's own path has the frozen data pulled back into it, so that
   * it needs nothing of this backup. Overlays beside the image are left to the snapshot's compensation.
   */
  void undoSaveAndRestore(SavedStateRequest plan);

  /**
   * Strategy {@code full}: pulls the frozen images' data into the overlays that took their paths (a
   * block pull down to the frozen image's own backing file), so that the VM no longer needs them. A
   * retry re-attaches to a running pull.
   */
  void pullIntoOverlays(SavedStateRequest plan);

  /**
   * Strategy {@code full}: moves each frozen image into the partial backup directory (a rename on the
   * same filesystem, a copy otherwise), hashing it, so that the copy step counts it as copied.
   */
  void retainFrozenImages(SavedStateRequest plan);
}
