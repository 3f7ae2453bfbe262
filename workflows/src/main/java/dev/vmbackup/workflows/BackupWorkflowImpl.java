package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.ChainActivities;
import dev.vmbackup.workflows.activities.StoreActivities;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.DiscardBackupRequest;
import dev.vmbackup.workflows.model.DomainInfo;
import dev.vmbackup.workflows.model.DomainState;
import dev.vmbackup.workflows.model.InspectRequest;
import dev.vmbackup.workflows.model.PrepareBackupRequest;
import dev.vmbackup.workflows.model.PreparedBackup;
import dev.vmbackup.workflows.model.StoreIngestRequest;
import dev.vmbackup.workflows.model.StoreIngestResult;
import dev.vmbackup.workflows.model.Strategy;
import dev.vmbackup.workflows.model.VerifyRequest;
import dev.vmbackup.workflows.model.VerifyResult;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInfo;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * Decisions of a backup. Every side effect is a host activity; this class only orders them, registers
 * their compensations and reports. The steps common to every strategy (lock, inspect, prepare, verify,
 * release) are here; freezing, copying and merging are the strategy's ({@link BackupStrategy}).
 */
public class BackupWorkflowImpl implements BackupWorkflow {
  private static final Logger log = Workflow.getLogger(BackupWorkflowImpl.class);

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
    String host = HostSteps.host(request.host());
    HostSteps steps = new HostSteps(host);
    BackupStrategy strategy = strategy(request.strategy());

    WorkflowInfo info = Workflow.getInfo();
    long startedAt = Workflow.currentTimeMillis();
    BackupMetrics.Stall[] stall = new BackupMetrics.Stall[1];
    DomainOperation<BackupResult> operation =
        new DomainOperation<>(steps, HostSteps.lockFor(request.domain()), current -> step = current);
    // Once the backup is complete and verified nothing may undo it, not even a lock that cannot be
    // released (a lock whose workflow has closed is taken over by the next backup anyway).
    return operation.run(compensations -> {
      List<String> repairs = pullDeletedLayers(request, steps);

      step = "inspect";
      DomainInfo domain = steps.inspect.inspectDomain(new InspectRequest(request.domain(), request.repository(), request.hooks()));
      if (domain.state() == DomainState.OTHER) {
        throw ApplicationFailure.newNonRetryableFailure(
            "domain " + domain.name() + " is neither running, paused nor shut off; back it up once it is",
            FailureType.DOMAIN_STATE.name());
      }
      if (domain.store() != null && request.strategy() != Strategy.FULL) {
        throw ApplicationFailure.newNonRetryableFailure(
            "repository " + domain.store() + " is a store, which takes strategy full so far; strategy "
                + request.strategy().toString().toLowerCase(java.util.Locale.ROOT) + " needs a repository of kind files",
            FailureType.INVALID_INPUT.name());
      }
      List<String> warnings = new ArrayList<>();
      warnings.addAll(repairs);
      domain.skippedDisks().forEach(skipped -> warnings.add("not backed up: " + skipped));

      step = "prepare";
      String repository = domain.repository();
      PreparedBackup[] prepared = new PreparedBackup[1];
      compensations.add(
          () -> steps.undoDirectory.discardBackup(new DiscardBackupRequest(
              repository, domain.name(), prepared[0] == null ? null : prepared[0].backupId(), info.getRunId())));
      prepared[0] = steps.directory.prepareBackupDirectory(new PrepareBackupRequest(
          repository, domain.name(), BackupIds.fromEpochMillis(startedAt), info.getRunId(), domain.persistent()));
      backupId = prepared[0].backupId();

      HookRunner hooks = new HookRunner(request, steps, backupId, warnings);
      hooks.preSnapshot();
      BackupStrategy.Outcome outcome;
      try {
        outcome = strategy.run(new BackupContext(request, steps, domain, prepared[0], compensations, warnings,
            repairs, startedAt, current -> step = current, hooks::postSnapshot));
      } finally {
        // The post-snapshot hook undoes what the pre-snapshot hook did (an application paused, say): it
        // runs even when the strategy failed before or during its snapshot.
        hooks.postSnapshot();
      }
      path = outcome.published().path();
      stall[0] = new BackupMetrics.Stall(outcome.stoppedMillis(), outcome.snapshotMillis());

      step = "verify";
      VerifyResult verified = steps.verify.verifyBackup(new VerifyRequest(repository, domain.name(), backupId, true));
      if (!verified.ok()) {
        throw ApplicationFailure.newNonRetryableFailure(
            "backup " + backupId + " of " + domain.name() + " failed verification: "
                + String.join("; ", verified.problems()),
            FailureType.VERIFICATION_FAILED.name());
      }
      if (domain.store() != null) {
        path = intoStore(steps, compensations, new StoreIngestRequest(domain.store(), repository, domain.name(), backupId),
            info.getRunId());
      }
      return new BackupResult(domain.name(), host, backupId, path, request.strategy(),
          outcome.capture(), warnings, outcome.published().bytesCopied(), outcome.published().disks(), true,
          outcome.parentBackupId(), outcome.stoppedMillis());
    }, new DomainOperation.Listener<>() {
      @Override
      public void failing(RuntimeException failure) {
        log.warn("backup of {} failed at step {}: {}; compensating", request.domain(), step, failure.getMessage());
      }

      @Override
      public void failed(RuntimeException failure) {
        BackupMetrics.failed(request, failure);
      }

      @Override
      public void succeeded(BackupResult result) {
        BackupMetrics.succeeded(result, Workflow.currentTimeMillis() - startedAt, stall[0]);
      }
    });
  }

  /**
   * Puts the verified staged backup into its store, then removes it from the staging directory; returns
   * where the backup now is. Its removal from the store is registered first, so that a failure after
   * this step (or during it, once it committed) leaves no backup in the store that was not reported.
   */
  private String intoStore(HostSteps steps, Compensations compensations, StoreIngestRequest ingest, String runId) {
    step = "store";
    compensations.add(() -> steps.mustFinish(StoreActivities.class).forgetStoreBackup(ingest));
    StoreIngestResult stored = steps.longRunning(StoreActivities.class).ingestIntoStore(ingest);
    steps.directory.discardBackup(new DiscardBackupRequest(ingest.repository(), ingest.domain(), ingest.backupId(), runId));
    return stored.location();
  }

  /**
   * A chain whose layers were deleted by hand while the VM runs is repaired before inspection, which
   * could not read it: the deleted layers' data is pulled into the active image (see
   * {@link ChainActivities#pullDeletedLayers}), and the run then starts a new chain. Only strategy chain
   * repairs, because only there are the layers vmbackup's own; other strategies refuse such a disk.
   */
  private List<String> pullDeletedLayers(BackupRequest request, HostSteps steps) {
    if (request.strategy() != Strategy.CHAIN
        || Workflow.getVersion("pull-deleted-layers", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return List.of();
    }
    step = "repair";
    ChainActivities chain = steps.longRunning(ChainActivities.class);
    // Like consolidation: a pull that has begun is finished, and a cancellation is honoured right after.
    return Uninterruptible.call(() -> chain.pullDeletedLayers(request.domain()));
  }

  private static BackupStrategy strategy(Strategy strategy) {
    if (strategy == Strategy.FULL) {
      return new FullBackup();
    }
    if (strategy == Strategy.CHAIN) {
      return new ChainBackup();
    }
    if (strategy == Strategy.INCREMENTAL || strategy == Strategy.DIFFERENTIAL) {
      return new IncrementalBackup();
    }
    throw ApplicationFailure.newNonRetryableFailure(
        "strategy " + strategy + " is not available yet", FailureType.INVALID_INPUT.name());
  }

  private static void validate(BackupRequest request) {
    try {
      BackupRequestValidation.validate(request);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureType.INVALID_INPUT.name());
    }
  }
}
