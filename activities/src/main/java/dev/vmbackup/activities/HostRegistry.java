package dev.vmbackup.activities;

import dev.vmbackup.workflows.HostRegistryWorkflow;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.activities.HostRegistryActivities;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of {@link HostRegistryWorkflow}: a worker registers its host when it starts, and the
 * workflow worker answers fleet runs' {@link HostRegistryActivities} (a local activity) by querying it.
 */
public final class HostRegistry implements HostRegistryActivities {
  private static final Logger log = LoggerFactory.getLogger(HostRegistry.class);

  private final WorkflowClient client;

  public HostRegistry(WorkflowClient client) {
    this.client = client;
  }

  /**
   * Adds the host to the registry, starting the registry if it does not run yet. A failure is logged,
   * never fatal: the worker serves its host all the same, and fleet policies that name the host
   * explicitly reach it; only globs miss it until the next start registers it.
   */
  public static void register(WorkflowClient client, String host) {
    try {
      WorkflowStub registry = client.newUntypedWorkflowStub("HostRegistryWorkflow", WorkflowOptions.newBuilder()
          .setWorkflowId(HostRegistryWorkflow.WORKFLOW_ID)
          .setTaskQueue(TaskQueues.WORKFLOWS)
          .setMemo(Map.of("summary", "the hosts of vmbackup workers, which fleet policies' globs match"))
          .build());
      registry.signalWithStart("register", new Object[] {host}, new Object[] {List.of()});
    } catch (RuntimeException e) {
      log.warn("could not register host {} in {} ({}); globs of fleet policies will not match it", host,
          HostRegistryWorkflow.WORKFLOW_ID, e.getMessage());
    }
  }

  @Override
  public List<String> registeredHosts() {
    try {
      return client.newWorkflowStub(HostRegistryWorkflow.class, HostRegistryWorkflow.WORKFLOW_ID).hosts();
    } catch (WorkflowNotFoundException none) {
      return List.of();
    }
  }
}
