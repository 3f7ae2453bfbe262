package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * A {@code saved-state} capture: the VM's state is saved to {@code stateFile} (the VM stops), each disk's
 * image is frozen at {@code frozen}, a new overlay backed by it is created at {@code overlay}, and the VM
 * is restored from the state file onto the overlays. Computed by the workflow before either the step or
 * its compensation runs.
 *
 * <p>Strategy {@code full} (the stoney cloud method): the image is renamed aside ({@code frozen}) and the
 * overlay takes its place ({@code overlay} is the image's own path); afterwards the frozen data is pulled
 * into the overlay and the frozen image moves into the backup. Strategy {@code chain}: the image stays
 * where it is ({@code frozen} is the image) and the overlay is the chain's next one.
 *
 * @param stateFile inside the partial backup directory, so that the state is kept with the backup
 * @param partialDir the backup's partial directory, where frozen images are moved and a marker is kept
 * @param stateBefore run state before the backup (running or paused); the VM is restored to it
 */
public record SavedStateRequest(
    String domain, String backupId, String stateFile, String partialDir, List<Disk> disks, DomainState stateBefore) {
  public SavedStateRequest {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }

  /**
   * @param target guest device name
   * @param image the active image before the capture
   * @param format its format
   * @param frozen where the frozen image is afterwards: {@code image} itself, or the name it is renamed to
   * @param overlay the new qcow2 overlay on {@code frozen}, which the VM is restored onto
   */
  public record Disk(String target, String image, String format, String frozen, String overlay) {
    /** Whether the image is renamed aside and the overlay takes its path (the stoney cloud method). */
    public boolean renamed() {
      return !frozen.equals(image);
    }
  }
}
