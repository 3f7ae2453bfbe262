package dev.vmbackup.workflows;

import java.util.List;

/**
 * The workflow implementations a workflow worker registers. The worker, the history replay tests and any
 * other replayer take the list from here, so that a new workflow type cannot be registered in one place
 * and forgotten in another (a replayer that lacks a type fails on that type's recorded histories).
 */
public final class WorkflowTypes {
  private WorkflowTypes() {}

  /** Every workflow implementation class, in registration order. */
  public static final List<Class<?>> IMPLEMENTATIONS = List.of(
      BackupWorkflowImpl.class, RestoreWorkflowImpl.class, PruneWorkflowImpl.class, PlanWorkflowImpl.class,
      FleetPlanWorkflowImpl.class, HostRegistryWorkflowImpl.class);

  /** {@link #IMPLEMENTATIONS} as the array the SDK's registration and replay methods take. */
  public static Class<?>[] implementations() {
    return IMPLEMENTATIONS.toArray(new Class<?>[0]);
  }
}
