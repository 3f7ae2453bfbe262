package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.BackupDirectoryActivities;
import dev.vmbackup.workflows.activities.DomainLockActivities;
import dev.vmbackup.workflows.activities.HostDefaultsActivities;
import dev.vmbackup.workflows.activities.InspectActivities;
import dev.vmbackup.workflows.activities.MergeActivities;
import dev.vmbackup.workflows.activities.RetainActivities;
import dev.vmbackup.workflows.activities.SnapshotActivities;
import dev.vmbackup.workflows.activities.VerifyActivities;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.DiscardBackupRequest;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.InspectRequest;
import dev.vmbackup.workflows.model.LockRequest;
import dev.vmbackup.workflows.model.MergeRequest;
import dev.vmbackup.workflows.model.OverlayPlan;
import dev.vmbackup.workflows.model.PrepareBackupRequest;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.RetainRequest;
import dev.vmbackup.workflows.model.RetainResult;
import dev.vmbackup.workflows.model.SnapshotPlan;
import dev.vmbackup.workflows.model.SnapshotResult;
import dev.vmbackup.workflows.model.VerifyRequest;
import dev.vmbackup.workflows.model.VerifyResult;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * Decisions of a full backup. Every side effect is a host activity; this class only orders them,
 * registers their compensations and reports.
 */
public class BackupWorkflowImpl implements BackupWorkflow {
  private static final Logger log = Workflow.getLogger(BackupWorkflowImpl.class);

  private final HostDefaultsActivities hostDefaults =
      Workflow.newLocalActivityStub(HostDefaultsActivities.class, StepOptions.local());

  private String step = "starting";
  private String backupId;
  private String path;

  @Override
  public BackupStatus status() {
    return new BackupStatus(step, backupId, path);
  }

  @Override
  public BackupResult backup(BackupRequest request) {
    validate(request);
    String host = request.host() != null ? request.host() : hostDefaults.defaultHost();
    String queue = TaskQueues.host(host);
    var lock = Workflow.newActivityStub(DomainLockActivities.class, StepOptions.forward(queue));
    var inspect = Workflow.newActivityStub(InspectActivities.class, StepOptions.forward(queue));
    var directory = Workflow.newActivityStub(BackupDirectoryActivities.class, StepOptions.forward(queue));
    var snapshot = Workflow.newActivityStub(SnapshotActivities.class, StepOptions.forward(queue));
    var retain = Workflow.newActivityStub(RetainActivities.class, StepOptions.longRunning(queue));
    var verify = Workflow.newActivityStub(VerifyActivities.class, StepOptions.longRunning(queue));
    var merge = Workflow.newActivityStub(MergeActivities.class, StepOptions.mustFinish(queue));
    var undoLock = Workflow.newActivityStub(DomainLockActivities.class, StepOptions.mustFinish(queue));
    var undoDirectory =
        Workflow.newActivityStub(BackupDirectoryActivities.class, StepOptions.mustFinish(queue));
    var undoSnapshot = Workflow.newActivityStub(SnapshotActivities.class, StepOptions.mustFinish(queue));

    WorkflowInfo info = Workflow.getInfo();
    LockRequest lockRequest = new LockRequest(request.domain(), info.getWorkflowId(), info.getRunId());
    long startedAt = Workflow.currentTimeMillis();
    Compensations compensations = new Compensations();
    BackupResult result;
    try {
      step = "lock";
      compensations.add(() -> undoLock.releaseDomainLock(lockRequest));
      lock.acquireDomainLock(lockRequest);

      step = "inspect";
      DomainInfo domain = inspect.inspectDomain(new InspectRequest(request.domain(), request.repository()));
      if (domain.state() == DomainState.OTHER) {
        throw ApplicationFailure.newNonRetryableFailure(
            "domain " + domain.name() + " is neither running, paused nor shut off; back it up once it is",
            FailureType.DOMAIN_STATE.name());
      }
      List<String> warnings = new ArrayList<>();
      domain.skippedDisks().forEach(skipped -> warnings.add("not backed up: " + skipped));

      step = "prepare";
      String repository = domain.repository();
      PreparedBackup[] prepared = new PreparedBackup[1];
      compensations.add(
          () -> undoDirectory.discardBackup(
              new DiscardBackupRequest(
                  repository, domain.name(), prepared[0] == null ? null : prepared[0].backupId(), info.getRunId())));
      prepared[0] =
          directory.prepareBackupDirectory(
              new PrepareBackupRequest(
                  repository, domain.name(), BackupIds.fromEpochMillis(startedAt), info.getRunId(), domain.persistent()));
      backupId = prepared[0].backupId();

      CaptureMode captured = request.capture();
      SnapshotPlan plan = null;
      if (domain.state().isActive()) {
        step = "snapshot";
        plan = planSnapshot(domain, prepared[0], request.capture());
        SnapshotPlan finalPlan = plan;
        compensations.add(() -> undoSnapshot.revertExternalSnapshot(finalPlan));
        SnapshotResult snapshotResult = snapshot.createExternalSnapshot(plan);
        captured = snapshotResult.capture();
        warnings.addAll(snapshotResult.warnings());
      } else if (request.capture() != CaptureMode.CRASH) {
        // A shut-off VM's disks are consistent as they are; there is no memory or agent to capture.
        captured = CaptureMode.CRASH;
        warnings.add("domain was shut off: its disks were copied as they are, without a snapshot");
      }

      step = "copy";
      RetainResult retained =
          retain.copyToRepository(
              new RetainRequest(
                  repository,
                  domain.name(),
                  backupId,
                  prepared[0].partialDir(),
                  prepared[0].finalDir(),
                  host,
                  domain.uuid(),
                  request.strategy(),
                  request.capture(),
                  captured,
                  warnings,
                  domain.disks(),
                  plan == null ? null : plan.memoryFile(),
                  domain.nvram(),
                  startedAt,
                  plan == null));
      path = retained.path();

      if (plan != null) {
        step = "merge";
        mergeOverlays(merge, plan);
      }

      step = "verify";
      VerifyResult verified =
          verify.verifyBackup(new VerifyRequest(repository, domain.name(), backupId, true));
      if (!verified.ok()) {
        throw ApplicationFailure.newNonRetryableFailure(
            "backup " + backupId + " of " + domain.name() + " failed verification: "
                + String.join("; ", verified.problems()),
            FailureType.VERIFICATION_FAILED.name());
      }

      result = new BackupResult(
          domain.name(),
          host,
          backupId,
          retained.path(),
          request.strategy(),
          captured,
          warnings,
          retained.bytesCopied(),
          retained.disks(),
          true);
    } catch (RuntimeException failure) {
      log.warn("backup of {} failed at step {}: {}; compensating", request.domain(), step, failure.getMessage());
      step = "compensate";
      compensations.run();
      step = "failed";
      throw Failures.asWorkflowFailure(failure);
    }
    // The backup is complete and verified: nothing may undo it now, not even a lock that cannot be
    // released (a lock whose workflow has closed is taken over by the next backup anyway).
    step = "release";
    Failures.bestEffort(() -> lock.releaseDomainLock(lockRequest), "release the lock of " + request.domain());
    step = "done";
    return result;
  }

  /**
   * Folds every overlay back. This runs detached from cancellation: once the merge has begun, the
   * quickest way back to a clean VM is to finish it, and a cancellation is honoured right after.
   */
  private static void mergeOverlays(MergeActivities merge, SnapshotPlan plan) {
    Workflow.newDetachedCancellationScope(
            () -> {
              for (OverlayPlan overlay : plan.overlays()) {
                merge.blockCommit(
                    new MergeRequest(
                        plan.domain(), overlay.target(), overlay.overlay(), overlay.image(), overlay.format()));
              }
            })
        .run();
    // A cancellation that arrived during the merge surfaces here, with the VM already clean.
    io.temporal.workflow.CancellationScope.throwCanceled();
  }

  static SnapshotPlan planSnapshot(DomainInfo domain, PreparedBackup prepared, CaptureMode capture) {
    List<OverlayPlan> overlays =
        domain.disks().stream()
            .map(disk -> new OverlayPlan(
                disk.target(),
                disk.source(),
                disk.format(),
                disk.source() + ".vmbackup-" + prepared.backupId() + ".qcow2"))
            .toList();
    String memoryFile = capture == CaptureMode.MEMORY ? prepared.partialDir() + "/memory.save" : null;
    return new SnapshotPlan(
        domain.name(), prepared.backupId(), capture, domain.agentAvailable(), overlays, prepared.partialDir(),
        memoryFile, domain.state());
  }

  private static void validate(BackupRequest request) {
    try {
      Validation.domainName("domain", request.domain());
      if (request.host() != null) {
        Validation.hostName(request.host());
      }
      if (request.repository() != null) {
        Validation.absolutePath("repository", request.repository());
      }
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureType.INVALID_INPUT.name());
    }
  }
}
