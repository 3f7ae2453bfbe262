package dev.vmbackup.workflows.examples;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.ChildWorkflowStub;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;

/**
 * The README's example of another service calling vmbackup (section "Calling vmbackup from another
 * service"): the service's own workflow backs a VM up before a risky change and restores the backup in
 * place when the change fails. It uses nothing of vmbackup's code: it starts vmbackup's workflow types by
 * name on vmbackup's task queue, with records of its own that hold only the fields it needs of
 * {@code docs/schemas} (BackupRequest, BackupResult, RestoreRequest, RestoreResult). Compiled and tested
 * here ({@code GuardedChangeTest}) so that the README's claim stays true.
 */
public final class GuardedChange {
  private GuardedChange() {}

  /** The service's workflow. */
  @WorkflowInterface
  public interface GuardedChangeWorkflow {
    @WorkflowMethod
    Outcome apply(Change change);
  }

  /** The service's own risky step, e.g. upgrading the application inside the VM. */
  @ActivityInterface
  public interface ChangeActivities {
    void applyChange(String domain, String description);
  }

  /** What the service is asked to do: change a VM of a vmbackup host. */
  public record Change(String domain, String host, String description) {}

  /**
   * @param backupId the backup taken before the change
   * @param changed whether the change is in place
   * @param restoredFrom the backup restored after the change failed, or null
   * @param error why the change failed, or null
   */
  public record Outcome(String backupId, boolean changed, String restoredFrom, String error) {}

  /** The fields of vmbackup's BackupRequest this service sends (BackupRequest.schema.json). */
  public record BackupRequest(String domain, String host, String capture) {}

  /** The fields of vmbackup's BackupResult this service reads; it ignores the rest (BackupResult.schema.json). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record BackupResult(String backupId, boolean verified) {}

  /** An in-place restore (RestoreRequest.schema.json). */
  public record RestoreRequest(String domain, String host, String backupId, Boolean inPlace) {}

  /** The fields of vmbackup's RestoreResult this service reads (RestoreResult.schema.json). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record RestoreResult(String domain, boolean running) {}

  /** The service's implementation. */
  public static class GuardedChangeWorkflowImpl implements GuardedChangeWorkflow {
    // A failed change is rolled back from the backup, not tried again on a VM it may have half changed.
    private final ChangeActivities activities = Workflow.newActivityStub(ChangeActivities.class,
        ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(30))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());

    @Override
    public Outcome apply(Change change) {
      // A failed backup fails this workflow here, before anything is changed: no backup, no change.
      BackupResult backup = vmbackup("BackupWorkflow", "backup-" + change.host() + "-" + change.domain())
          .execute(BackupResult.class, new BackupRequest(change.domain(), change.host(), "quiesce"));
      try {
        activities.applyChange(change.domain(), change.description());
        return new Outcome(backup.backupId(), true, null, null);
      } catch (ActivityFailure failed) {
        vmbackup("RestoreWorkflow", "restore-" + change.host() + "-" + change.domain())
            .execute(RestoreResult.class, new RestoreRequest(change.domain(), change.host(), backup.backupId(), true));
        return new Outcome(backup.backupId(), false, backup.backupId(), message(failed));
      }
    }

    /** The change's own words, without the activity's wrapping. */
    private static String message(ActivityFailure failed) {
      return failed.getCause() instanceof ApplicationFailure application
          ? application.getOriginalMessage() : String.valueOf(failed.getCause());
    }

    /**
     * A vmbackup workflow as a child, by type name. The ids are the ones vmbackup's own starters use, so
     * that Temporal refuses a second backup (or restore) of a VM while one runs. If this workflow is
     * closed early, the child is asked to cancel rather than terminated: a cancelled backup undoes what
     * it did (its snapshot, its partial copy), whereas termination runs no workflow code at all.
     */
    static ChildWorkflowStub vmbackup(String workflowType, String workflowId) {
      return Workflow.newUntypedChildWorkflowStub(workflowType, ChildWorkflowOptions.newBuilder()
          .setWorkflowId(workflowId).setTaskQueue("vmbackup")
          // Cancelled, a backup undoes what it did; terminated, it runs no code at all.
          .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL).build());
    }
  }
}
