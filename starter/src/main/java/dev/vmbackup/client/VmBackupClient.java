package dev.vmbackup.client;

import dev.vmbackup.activities.HostRegistry;
import dev.vmbackup.worker.TemporalConnection;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.HostRegistryWorkflow;
import dev.vmbackup.workflows.PruneWorkflow;
import dev.vmbackup.workflows.RestoreWorkflow;
import dev.vmbackup.workflows.SearchAttributeKeys;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.PruneRequest;
import dev.vmbackup.workflows.model.PruneResult;
import dev.vmbackup.workflows.model.RestoreRequest;
import dev.vmbackup.workflows.model.RestoreResult;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.util.List;
import java.util.Objects;

/**
 * The small Java client other services use to back up and restore VMs through Temporal.
 *
 * <pre>{@code
 * VmBackupClient vmbackup = VmBackupClient.connect(new TemporalConnection("temporal.example:7233", "default",
 *     true, Path.of("ca.pem"), Path.of("client.pem"), Path.of("client.key"), null));
 * BackupResult result = vmbackup.backup(new BackupRequest("vm-001", "hv-17", CaptureMode.QUIESCE, null, null));
 * }</pre>
 *
 * <p>Workflow ids are derived from host and domain ({@code backup-<host>-<domain>}), so Temporal itself
 * refuses a second backup of a VM while one runs; that refusal surfaces as
 * {@link BackupAlreadyRunningException}.
 */
public final class VmBackupClient {
  private final WorkflowClient client;
  private volatile Boolean searchAttributes;

  public VmBackupClient(WorkflowClient client) {
    this.client = client;
  }

  /** A client over a plain connection, as to a dev server. */
  public static VmBackupClient connect(String address, String namespace) {
    return connect(TemporalConnection.plain(address, namespace));
  }

  /**
   * A client over the given connection (TLS, mutual TLS, API key). Its files are read now; an unreadable
   * one is an {@link IllegalArgumentException}. A server that refuses the connection surfaces on the first
   * call, as a {@code StatusRuntimeException}.
   */
  public static VmBackupClient connect(TemporalConnection connection) {
    return new VmBackupClient(connection.client(connection.connect()));
  }

  public WorkflowClient workflowClient() {
    return client;
  }

  /** Starts a backup and returns at once. The request must name its host. */
  public WorkflowExecution startBackup(BackupRequest request) {
    String host = Objects.requireNonNull(request.host(), "request.host");
    String workflowId = BackupWorkflow.workflowId(host, request.domain());
    BackupWorkflow workflow = client.newWorkflowStub(BackupWorkflow.class, options(workflowId, request.domain(), host,
        request.strategy().wireName(), "backup of " + request.domain() + " on " + host + " (" + request.strategy()
            + ", capture " + request.capture() + ")"));
    try {
      return WorkflowClient.start(workflow::backup, request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new BackupAlreadyRunningException(
          e.getExecution().getWorkflowId(), e.getExecution().getRunId(), "a backup of " + request.domain());
    }
  }

  /** Starts a restore and returns at once. The request must name its host. */
  public WorkflowExecution startRestore(RestoreRequest request) {
    String host = Objects.requireNonNull(request.host(), "request.host");
    String target = request.as() != null ? request.as() : request.domain();
    String workflowId = RestoreWorkflow.workflowId(host, target);
    RestoreWorkflow workflow = client.newWorkflowStub(RestoreWorkflow.class, options(workflowId, request.domain(), host,
        null, "restore of " + request.domain() + " " + request.backupId() + " on " + host
            + (request.as() != null ? " as " + request.as() : request.memoryRequested() ? " in place from memory" : " in place")));
    try {
      return WorkflowClient.start(workflow::restore, request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new BackupAlreadyRunningException(
          e.getExecution().getWorkflowId(), e.getExecution().getRunId(), "a restore of " + target);
    }
  }

  /** Starts a prune of one domain's backups and returns at once. The request must name its host. */
  public WorkflowExecution startPrune(PruneRequest request) {
    String host = Objects.requireNonNull(request.host(), "request.host");
    String workflowId = PruneWorkflow.workflowId(host, request.domain());
    PruneWorkflow workflow = client.newWorkflowStub(PruneWorkflow.class, options(workflowId, request.domain(), host,
        null, (request.dryRunRequested() ? "dry-run prune of " : "prune of ") + request.domain() + " on " + host));
    try {
      return WorkflowClient.start(workflow::prune, request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new BackupAlreadyRunningException(
          e.getExecution().getWorkflowId(), e.getExecution().getRunId(), "a prune of " + request.domain());
    }
  }

  public PruneResult prune(PruneRequest request) {
    return await(startPrune(request), PruneResult.class);
  }

  /** Backs up and waits for the result; a failed backup throws {@code WorkflowFailedException}. */
  public BackupResult backup(BackupRequest request) {
    return await(startBackup(request), BackupResult.class);
  }

  public RestoreResult restore(RestoreRequest request) {
    return await(startRestore(request), RestoreResult.class);
  }

  /**
   * Waits for a started workflow's result. A Temporal server that goes away meanwhile (a restart, a
   * network cut) is waited for, up to {@link #RECONNECT_FOR} from the first failed call; then
   * {@link TemporalUnreachableException} names the workflow, which goes on without the caller.
   */
  public <R> R await(WorkflowExecution execution, Class<R> resultType) {
    WorkflowStub stub = client.newUntypedWorkflowStub(execution.getWorkflowId(),
        java.util.Optional.of(execution.getRunId()), java.util.Optional.empty());
    java.time.Instant giveUp = null;
    while (true) {
      try {
        return stub.getResult(resultType);
      } catch (RuntimeException e) {
        if (!unreachable(e)) {
          throw e;
        }
        java.time.Instant now = java.time.Instant.now();
        giveUp = giveUp == null ? now.plus(RECONNECT_FOR) : giveUp;
        if (now.isAfter(giveUp)) {
          throw new TemporalUnreachableException(execution,
              client.getWorkflowServiceStubs().getOptions().getTarget(), e);
        }
        pause();
      }
    }
  }

  /** How long {@link #await} waits for a Temporal server that went away to come back. */
  static final java.time.Duration RECONNECT_FOR = java.time.Duration.ofMinutes(3);

  /** Whether a call failed because the server could not be reached, rather than with an answer. */
  private static boolean unreachable(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof io.grpc.StatusRuntimeException status) {
        io.grpc.Status.Code code = status.getStatus().getCode();
        return code == io.grpc.Status.Code.UNAVAILABLE || code == io.grpc.Status.Code.DEADLINE_EXCEEDED;
      }
    }
    return false;
  }

  private static void pause() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Temporal server", e);
    }
  }

  /** The current step of a running backup or restore. */
  public BackupStatus status(WorkflowExecution execution) {
    WorkflowStub stub = client.newUntypedWorkflowStub(execution.getWorkflowId(),
        java.util.Optional.of(execution.getRunId()), java.util.Optional.empty());
    return stub.query("status", BackupStatus.class);
  }

  /**
   * The hosts registered in {@link HostRegistryWorkflow}, sorted: those whose worker ran host actions
   * since they were last forgotten, which fleet policies' globs match. Empty before any worker registered.
   * A worker of the workflow queue answers the query; without one the call fails after the query timeout.
   */
  public List<String> registeredHosts() {
    return new HostRegistry(client).registeredHosts();
  }

  /**
   * Removes a registered host (a decommissioned one), so that fleet policies' globs no longer select it;
   * its worker registers it again when it starts. A policy that names the host still reaches it.
   *
   * @return false, having sent nothing, if the host is not registered
   * @throws IllegalArgumentException if {@code host} is not a valid host name
   */
  public boolean forgetHost(String host) {
    Validation.hostName(host);
    if (!registeredHosts().contains(host)) {
      return false;
    }
    // A stub without a run id signals the registry's current run, wherever continue-as-new has got to.
    client.newWorkflowStub(HostRegistryWorkflow.class, HostRegistryWorkflow.WORKFLOW_ID).forget(host);
    return true;
  }

  /**
   * The options of a workflow this client starts: an id derived from what it acts on, a readable
   * summary in the memo, and the search attributes when the server has them registered.
   */
  private WorkflowOptions options(String workflowId, String domain, String host, String strategy, String summary) {
    WorkflowOptions.Builder options = WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setTaskQueue(TaskQueues.WORKFLOWS)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
        .setMemo(java.util.Map.of("summary", summary));
    if (searchAttributesRegistered()) {
      io.temporal.common.SearchAttributes.Builder attributes = io.temporal.common.SearchAttributes.newBuilder()
          .set(SearchAttributeKeys.DOMAIN, domain)
          .set(SearchAttributeKeys.HOST, host);
      if (strategy != null) {
        attributes.set(SearchAttributeKeys.STRATEGY, strategy);
      }
      options.setTypedSearchAttributes(attributes.build());
    }
    return options.build();
  }

  private boolean searchAttributesRegistered() {
    if (searchAttributes == null) {
      searchAttributes = dev.vmbackup.activities.SearchAttributesRegistry.registered(client);
    }
    return searchAttributes;
  }
}
