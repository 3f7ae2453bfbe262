package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.Notify;
import dev.vmbackup.workflows.model.PlanResult;
import io.temporal.activity.ActivityInterface;
import java.util.List;

/** Host actions of a policy run. */
@ActivityInterface
public interface PlanActivities {
  /** Names of the host's domains (defined or running) that match the glob, sorted. */
  List<String> listDomains(String glob);

  /** Sends the run's result to the policy's webhook and command. */
  void notifyRun(Notify notify, PlanResult result);
}
