package dev.vmbackup.activities;

import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.CommandFailedException;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.HookActivities;
import dev.vmbackup.workflows.model.HookRequest;
import java.time.Duration;
import java.util.Map;

/** Runs pre- and post-snapshot hook commands on the host. */
public final class HookActivitiesImpl implements HookActivities {
  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  private final ProcessRunner runner;

  public HookActivitiesImpl(ProcessRunner runner) {
    this.runner = runner;
  }

  @Override
  public void runHook(HookRequest request) {
    ActivityBoundary.run(request.phase() + " hook of " + request.domain(), () -> {
      if (request.command().isEmpty()) {
        return;
      }
      CommandResult result;
      try {
        result = runner.run(request.command(), Map.of(
            "VMBACKUP_DOMAIN", request.domain(),
            "VMBACKUP_BACKUP_ID", request.backupId() == null ? "" : request.backupId(),
            "VMBACKUP_PHASE", request.phase(),
            "VMBACKUP_HOST", request.host() == null ? "" : request.host()), TIMEOUT);
      } catch (CommandFailedException e) {
        throw new HostFailure(FailureType.HOOK_FAILED, request.phase() + " hook: " + e.getMessage());
      }
      if (!result.succeeded()) {
        throw new HostFailure(FailureType.HOOK_FAILED,
            request.phase() + " hook " + ProcessRunner.failureMessage(result));
      }
    });
  }
}
