package dev.vmbackup.activities;

import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.host.process.CommandFailedException;
import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.HookActivities;
import dev.vmbackup.workflows.model.HookRequest;
import java.util.HashMap;
import java.util.Map;

/** Runs the pre- and post-snapshot hooks this host defines, by name. */
public final class HookActivitiesImpl implements HookActivities {
  private final HostAuthority authority;
  private final ProcessRunner runner;

  public HookActivitiesImpl(HostSettings settings, ProcessRunner runner) {
    this.authority = new HostAuthority(settings);
    this.runner = runner;
  }

  @Override
  public void runHook(HookRequest request) {
    ActivityBoundary.run(request.phase() + " hook of " + request.domain(), () -> {
      HostConfig.Hook hook = authority.hook(request.hook());
      Map<String, String> environment = new HashMap<>(hook.environment());
      environment.put("VMBACKUP_DOMAIN", request.domain());
      environment.put("VMBACKUP_BACKUP_ID", request.backupId() == null ? "" : request.backupId());
      environment.put("VMBACKUP_PHASE", request.phase());
      environment.put("VMBACKUP_HOST", request.host() == null ? "" : request.host());
      CommandResult result;
      try {
        result = runner.run(hook.command(), environment, hook.timeout());
      } catch (CommandFailedException e) {
        throw new HostFailure(FailureType.HOOK_FAILED, request.phase() + " hook " + request.hook() + ": "
            + e.getMessage());
      }
      if (!result.succeeded()) {
        throw new HostFailure(FailureType.HOOK_FAILED,
            request.phase() + " hook " + request.hook() + " " + ProcessRunner.failureMessage(result));
      }
    });
  }
}
