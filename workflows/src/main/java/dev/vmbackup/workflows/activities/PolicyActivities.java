package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.Notify;
import dev.vmbackup.workflows.model.PlanResult;
import io.temporal.activity.ActivityInterface;
import java.util.List;

/** Host actions of a policy run. */
@ActivityInterface
public interface PolicyActivities {
  /** Names of the host's domains (defined or running) that match the glob, sorted. */
  List<String> listDomains(String glob);

  /**
   * Sends the run's result to the notification the policy names: the webhook and/or command the host's
   * configuration defines under that name.
   */
  void notifyRun(Notify notify, PlanResult result);

  /**
   * Checks the policy against the host's configuration before the run starts any backup: its hooks,
   * notification and repository must be names the host defines (or a repository path the host allows).
   * Fails {@code INVALID_INPUT} naming the first that is not, and the host.
   */
  void checkPolicy(BackupPolicy policy);
}
