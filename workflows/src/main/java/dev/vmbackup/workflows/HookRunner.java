package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.HookActivities;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.HookRequest;
import dev.vmbackup.workflows.model.Hooks;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.util.List;

/**
 * Runs a backup's pre- and post-snapshot hooks, each at most once. A failing pre-snapshot hook aborts
 * the backup (which then compensates) unless the hooks say to continue; a failing post-snapshot hook
 * only adds a warning, because the disks are frozen already and the backup is worth finishing.
 */
final class HookRunner {
  static final String PRE = "pre-snapshot";
  static final String POST = "post-snapshot";

  private final BackupRequest request;
  private final HostSteps steps;
  private final String backupId;
  private final List<String> warnings;
  private boolean preRan;
  private boolean postRan;

  HookRunner(BackupRequest request, HostSteps steps, String backupId, List<String> warnings) {
    this.request = request;
    this.steps = steps;
    this.backupId = backupId;
    this.warnings = warnings;
  }

  void preSnapshot() {
    Hooks hooks = request.hooks();
    if (hooks == null || hooks.preSnapshot() == null || preRan) {
      return;
    }
    preRan = true;
    try {
      run(PRE, hooks.preSnapshot());
    } catch (ActivityFailure failure) {
      if (!hooks.continueOnFailureRequested()) {
        throw failure;
      }
      warnings.add("the pre-snapshot hook failed and was ignored: " + PlanWorkflowImpl.rootMessage(failure));
    }
  }

  void postSnapshot() {
    Hooks hooks = request.hooks();
    if (hooks == null || hooks.postSnapshot() == null || postRan) {
      return;
    }
    postRan = true;
    // Detached: after a cancellation the post-snapshot hook must still undo what the pre-snapshot hook did.
    Workflow.newDetachedCancellationScope(() -> {
      try {
        run(POST, hooks.postSnapshot());
      } catch (TemporalFailure failure) {
        warnings.add("the post-snapshot hook failed: " + PlanWorkflowImpl.rootMessage(failure));
      }
    }).run();
  }

  private void run(String phase, String hook) {
    steps.forward(HookActivities.class)
        .runHook(new HookRequest(phase, request.domain(), backupId, steps.host, hook));
  }
}
