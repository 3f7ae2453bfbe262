package dev.vmbackup.workflows;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.UUID;

/**
 * An in-memory Temporal service (time skipping on) wired as in production: the workflows and the
 * {@code HostDefaultsActivities} local activity on {@link TaskQueues#WORKFLOWS}, the host actions of
 * host "h1" on its own queue, played by a {@link FakeHost}.
 */
final class WorkflowHarness implements AutoCloseable {
  final FakeHost host = new FakeHost();
  /** The host's checkpoints and backup jobs, for the incremental strategies. */
  final IncrementalFakes incremental = new IncrementalFakes(host);
  final TestWorkflowEnvironment env;
  final WorkflowClient client;

  WorkflowHarness() {
    env = TestWorkflowEnvironment.newInstance();
    Worker workflows = env.newWorker(TaskQueues.WORKFLOWS);
    workflows.registerWorkflowImplementationTypes(BackupWorkflowImpl.class, RestoreWorkflowImpl.class,
        StoreMaintenanceWorkflowImpl.class);
    workflows.registerActivitiesImplementations(host.hostDefaults());
    Worker hostWorker = env.newWorker(TaskQueues.host("h1"));
    hostWorker.registerActivitiesImplementations(host.hostActivities());
    hostWorker.registerActivitiesImplementations(incremental.activities());
    env.start();
    client = env.getWorkflowClient();
  }

  Journal journal() {
    return host.journal;
  }

  /** Options as the starter uses them, with a fresh id unless the test needs a particular one. */
  static WorkflowOptions options(String workflowId) {
    return WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.WORKFLOWS).setWorkflowId(workflowId).build();
  }

  BackupWorkflow newBackup() {
    return client.newWorkflowStub(BackupWorkflow.class, options("backup-" + UUID.randomUUID()));
  }

  RestoreWorkflow newRestore() {
    return client.newWorkflowStub(RestoreWorkflow.class, options("restore-" + UUID.randomUUID()));
  }

  StoreMaintenanceWorkflow newStoreMaintenance() {
    return client.newWorkflowStub(StoreMaintenanceWorkflow.class, options("store-maintenance-" + UUID.randomUUID()));
  }

  @Override
  public void close() {
    // Blocked fake activities must end before the workers are shut down.
    host.openAllGates();
    env.close();
  }

  /** The type of the first {@link ApplicationFailure} in the cause chain of a failed workflow. */
  static String failureType(WorkflowFailedException failed) {
    for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
      if (cause instanceof ApplicationFailure application) {
        return application.getType();
      }
    }
    throw new AssertionError("no ApplicationFailure in the cause chain", failed);
  }
}
