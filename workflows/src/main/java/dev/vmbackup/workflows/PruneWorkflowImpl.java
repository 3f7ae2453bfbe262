package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.CheckpointActivities;
import dev.vmbackup.workflows.activities.PruneActivities;
import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.BackupStatus;
import dev.vmbackup.workflows.model.BackupSummary;
import dev.vmbackup.workflows.model.PruneCheckpointsRequest;
import dev.vmbackup.workflows.model.PruneDecision;
import dev.vmbackup.workflows.model.PruneRequest;
import dev.vmbackup.workflows.model.PruneResult;
import dev.vmbackup.workflows.model.RetentionPolicy;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides with {@link Retention} and deletes what is not kept, newest first: a backup is deleted before
 * anything it builds on, so that at every instant each listed backup still has all its parents. The
 * domain's lock keeps a backup from building on a backup being deleted.
 */
public class PruneWorkflowImpl implements PruneWorkflow {
  /** Change id of prunes that also delete unneeded libvirt checkpoints. */
  static final String CHECKPOINTS_CHANGE = "prune-checkpoints";

  private String step = "starting";

  @Override
  public BackupStatus status() {
    return new BackupStatus(step, null, null);
  }

  @Override
  public PruneResult prune(PruneRequest request) {
    validate(request);
    HostSteps steps = HostSteps.on(request.host());
    PruneActivities prune = steps.forward(PruneActivities.class);
    DomainOperation<PruneResult> operation =
        new DomainOperation<>(steps, HostSteps.lockFor(request.domain()), current -> step = current);
    return operation.run(compensations -> {
      step = "decide";
      String repository = steps.inspect.resolveRepository(request.repository());
      List<BackupSummary> backups = prune.listBackups(new BackupRef(repository, request.domain(), null));
      List<PruneDecision> decisions = Retention.decide(backups, request.retention());
      List<String> removed = new ArrayList<>();
      if (!request.dryRunRequested()) {
        step = "delete";
        for (PruneDecision decision : decisions) {
          if (!decision.keep()) {
            prune.deleteBackup(new BackupRef(repository, request.domain(), decision.backupId()));
            removed.add(decision.backupId());
          }
        }
        // Every checkpoint costs the VM a dirty bitmap that QEMU updates on each write: the ones no
        // remaining backup needs go with the backups. Runs started before this step skip it.
        if (!removed.isEmpty()
            && Workflow.getVersion(CHECKPOINTS_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1) {
          step = "checkpoints";
          CheckpointActivities checkpoints = steps.forward(CheckpointActivities.class);
          Failures.bestEffort(
              () -> checkpoints.pruneCheckpoints(new PruneCheckpointsRequest(request.domain(), repository)),
              "delete the checkpoints of " + request.domain() + " that no backup needs any more");
        }
      }
      return new PruneResult(request.domain(), request.dryRunRequested(), decisions, removed);
    }, new DomainOperation.Listener<>() {});
  }

  private static void validate(PruneRequest request) {
    try {
      Validation.domainName("domain", request.domain());
      if (request.host() != null) {
        Validation.hostName(request.host());
      }
      if (request.repository() != null) {
        Validation.repository(request.repository());
      }
      RetentionPolicy retention = request.retention();
      if (retention == null) {
        throw new IllegalArgumentException("a retention policy is required (for example keepDaily 7)");
      }
      for (Integer rule : new Integer[] {retention.keepLast(), retention.keepHourly(), retention.keepDaily(),
          retention.keepWeekly(), retention.keepMonthly(), retention.keepYearly()}) {
        if (rule != null && rule < 0) {
          throw new IllegalArgumentException("retention counts cannot be negative");
        }
      }
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureType.INVALID_INPUT.name());
    }
  }
}
