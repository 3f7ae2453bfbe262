package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Commands run on the VM's host around the snapshot, as argument lists (never through a shell). They
 * get {@code VMBACKUP_DOMAIN}, {@code VMBACKUP_BACKUP_ID}, {@code VMBACKUP_PHASE} ({@code pre-snapshot}
 * or {@code post-snapshot}) and {@code VMBACKUP_HOST} in their environment.
 *
 * @param preSnapshot run before the snapshot; a failure aborts the backup unless {@code continueOnFailure}
 * @param postSnapshot run after the snapshot (also when it failed), e.g. to resume an application
 * @param continueOnFailure go on (with a warning) when a hook fails
 */
public record Hooks(List<String> preSnapshot, List<String> postSnapshot, Boolean continueOnFailure) {
  public Hooks {
    preSnapshot = preSnapshot == null ? List.of() : List.copyOf(preSnapshot);
    postSnapshot = postSnapshot == null ? List.of() : List.copyOf(postSnapshot);
  }

  public boolean continueOnFailureRequested() {
    return Boolean.TRUE.equals(continueOnFailure);
  }
}
