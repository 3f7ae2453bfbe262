package dev.vmbackup.workflows.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

/**
 * Hooks run on the VM's host around the snapshot, by name: each host defines its hooks (their
 * commands, timeouts and environment) in its configuration file, and refuses a name it does not
 * define, and anything that is not a name, before the backup does anything. The commands get
 * {@code VMBACKUP_DOMAIN}, {@code VMBACKUP_BACKUP_ID}, {@code VMBACKUP_PHASE} ({@code pre-snapshot} or
 * {@code post-snapshot}) and {@code VMBACKUP_HOST} in their environment.
 *
 * @param preSnapshot hook run before the snapshot; a failure aborts the backup unless {@code continueOnFailure}
 * @param postSnapshot hook run after the snapshot (also when it failed), e.g. to resume an application
 * @param continueOnFailure go on (with a warning) when a hook fails
 */
public record Hooks(
    @JsonDeserialize(using = NameOrArgv.class) String preSnapshot,
    @JsonDeserialize(using = NameOrArgv.class) String postSnapshot,
    Boolean continueOnFailure) {
  public Hooks {
    preSnapshot = preSnapshot == null || preSnapshot.isEmpty() ? null : preSnapshot;
    postSnapshot = postSnapshot == null || postSnapshot.isEmpty() ? null : postSnapshot;
  }

  public boolean continueOnFailureRequested() {
    return Boolean.TRUE.equals(continueOnFailure);
  }
}
