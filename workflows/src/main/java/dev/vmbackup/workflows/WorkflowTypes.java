package dev.vmbackup.workflows;

import java.util.List;

/**
 * The workflow implementations a workflow worker registers. The worker, the history replay tests and any
 * other replayer take the list from here, so that a new workflow type cannot be registered in one place
 * and forgotten in another (a replayer that lacks a type fails on that type's recorded histories).
 */
public final class WorkflowTypes {
  private WorkflowTypes() {}

  /**
   * The workflows other services start (from the Web UI, a Schedule, any Temporal SDK): their inputs and
   * results are vmbackup's published interface, with JSON Schemas in docs/schemas.
   */
  public static final List<Class<?>> CALLABLE = List.of(
      BackupWorkflowImpl.class, RestoreWorkflowImpl.class, PruneWorkflowImpl.class, PlanWorkflowImpl.class,
      FleetPlanWorkflowImpl.class, StoreMaintenanceWorkflowImpl.class);

  /**
   * Every workflow implementation class, in registration order: the callable ones and the host registry,
   * which only vmbackup's own workers signal and fleet runs read.
   */
  public static final List<Class<?>> IMPLEMENTATIONS = java.util.stream.Stream.concat(
      CALLABLE.stream(), java.util.stream.Stream.of(HostRegistryWorkflowImpl.class)).toList();

  /** {@link #IMPLEMENTATIONS} as the array the SDK's registration and replay methods take. */
  public static Class<?>[] implementations() {
    return IMPLEMENTATIONS.toArray(new Class<?>[0]);
  }
}
