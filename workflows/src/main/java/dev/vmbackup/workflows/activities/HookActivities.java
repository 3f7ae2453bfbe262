package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.HookRequest;
import io.temporal.activity.ActivityInterface;

@ActivityInterface
public interface HookActivities {
  /**
   * Runs a hook command with {@code VMBACKUP_DOMAIN}, {@code VMBACKUP_BACKUP_ID}, {@code VMBACKUP_PHASE}
   * and {@code VMBACKUP_HOST} in its environment. Fails {@code HOOK_FAILED} with the command's stderr
   * when it exits non-zero or runs longer than 10 minutes.
   */
  void runHook(HookRequest request);
}
