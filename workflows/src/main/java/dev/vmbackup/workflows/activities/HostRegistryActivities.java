package dev.vmbackup.workflows.activities;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/**
 * Reads the host registry ({@code HostRegistryWorkflow}) for a fleet run: a local activity of the
 * workflow worker, which has a Temporal client (a workflow cannot query another workflow). Its
 * answer is recorded in the run's history, so a replay decides the same.
 */
@ActivityInterface
public interface HostRegistryActivities {
  /** The registered hosts, sorted; empty if no worker has registered yet. */
  List<String> registeredHosts();
}
