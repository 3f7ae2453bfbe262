package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.BackupDirectoryActivities;
import dev.vmbackup.workflows.activities.DomainLockActivities;
import dev.vmbackup.workflows.activities.HostDefaultsActivities;
import dev.vmbackup.workflows.activities.InspectActivities;
import dev.vmbackup.workflows.activities.MergeActivities;
import dev.vmbackup.workflows.activities.RepositoryCopyActivities;
import dev.vmbackup.workflows.activities.SnapshotActivities;
import dev.vmbackup.workflows.activities.VerifyActivities;
import dev.vmbackup.workflows.model.LockRequest;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;

/**
 * Activity stubs for one host's task queue, each with the options its kind of step needs (see
 * {@link StepOptions}): forward steps, long copies, and steps that must finish (merges, compensations).
 */
final class HostSteps {
  final String host;
  final DomainLockActivities lock;
  final InspectActivities inspect;
  final BackupDirectoryActivities directory;
  final SnapshotActivities snapshot;
  final RepositoryCopyActivities repositoryCopy;
  final VerifyActivities verify;
  final MergeActivities merge;
  final DomainLockActivities undoLock;
  final BackupDirectoryActivities undoDirectory;
  final SnapshotActivities undoSnapshot;

  HostSteps(String host) {
    this.host = host;
    String queue = TaskQueues.host(host);
    lock = Workflow.newActivityStub(DomainLockActivities.class, StepOptions.forward(queue));
    inspect = Workflow.newActivityStub(InspectActivities.class, StepOptions.forward(queue));
    directory = Workflow.newActivityStub(BackupDirectoryActivities.class, StepOptions.forward(queue));
    snapshot = Workflow.newActivityStub(SnapshotActivities.class, StepOptions.forward(queue));
    repositoryCopy = Workflow.newActivityStub(RepositoryCopyActivities.class, StepOptions.longRunning(queue));
    verify = Workflow.newActivityStub(VerifyActivities.class, StepOptions.longRunning(queue));
    merge = Workflow.newActivityStub(MergeActivities.class, StepOptions.mustFinish(queue));
    undoLock = Workflow.newActivityStub(DomainLockActivities.class, StepOptions.mustFinish(queue));
    undoDirectory = Workflow.newActivityStub(BackupDirectoryActivities.class, StepOptions.mustFinish(queue));
    undoSnapshot = Workflow.newActivityStub(SnapshotActivities.class, StepOptions.mustFinish(queue));
  }

  /**
   * The host a request names, else the default host of the workflow worker. The default is a local
   * activity, so it is asked only when needed and recorded in the history like any other step.
   */
  static String host(String requested) {
    return requested != null ? requested
        : Workflow.newLocalActivityStub(HostDefaultsActivities.class, StepOptions.local()).defaultHost();
  }

  /** The steps on the host a request names, else on the workflow worker's default host. */
  static HostSteps on(String requested) {
    return new HostSteps(host(requested));
  }

  /** This workflow run's lock on a domain: the run holds it, so that the run's own retries find it theirs. */
  static LockRequest lockFor(String domain) {
    WorkflowInfo info = Workflow.getInfo();
    return new LockRequest(domain, info.getWorkflowId(), info.getRunId());
  }

  /** A stub of any other activity interface on this host's queue, for steps of a particular strategy. */
  <T> T forward(Class<T> activities) {
    return Workflow.newActivityStub(activities, StepOptions.forward(TaskQueues.host(host)));
  }

  <T> T longRunning(Class<T> activities) {
    return Workflow.newActivityStub(activities, StepOptions.longRunning(TaskQueues.host(host)));
  }

  <T> T mustFinish(Class<T> activities) {
    return Workflow.newActivityStub(activities, StepOptions.mustFinish(TaskQueues.host(host)));
  }
}
