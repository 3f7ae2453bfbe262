package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.StoreMaintenanceActivities;
import dev.vmbackup.workflows.model.StoreMaintenanceRequest;
import dev.vmbackup.workflows.model.StoreMaintenanceResult;
import io.temporal.failure.ApplicationFailure;

/**
 * Decisions of a store's upkeep: which parts run, in which order (the copy off-site first, so that a
 * collection never runs before the backups are safe elsewhere; the verification before the collection,
 * so that it reads what the backups reference now), and what the run reports.
 */
public class StoreMaintenanceWorkflowImpl implements StoreMaintenanceWorkflow {
  @Override
  public StoreMaintenanceResult maintain(StoreMaintenanceRequest request) {
    validate(request);
    HostSteps steps = HostSteps.on(request.host());
    StoreMaintenanceActivities store = steps.longRunning(StoreMaintenanceActivities.class);
    StoreMaintenanceResult.Sync sync = request.syncTo() == null ? null : store.syncStore(request);
    StoreMaintenanceResult.Verify verify = request.verifyPercent() == null ? null : store.verifyStore(request);
    StoreMaintenanceResult.Collection collection =
        request.gcGraceHours() == null ? null : store.collectStoreGarbage(request);
    if (verify != null && !verify.ok()) {
      throw ApplicationFailure.newNonRetryableFailure("store " + request.repository() + " failed verification: "
          + verify.badChunks().size() + " bad chunk(s); backups affected: " + String.join(", ", verify.failedBackups()),
          FailureType.VERIFICATION_FAILED.name());
    }
    return new StoreMaintenanceResult(request.repository(), steps.host, sync, verify, collection);
  }

  private static void validate(StoreMaintenanceRequest request) {
    try {
      Validation.configName("repository", request.repository());
      if (request.host() != null) {
        Validation.hostName(request.host());
      }
      if (request.syncTo() != null) {
        Validation.configName("syncTo", request.syncTo());
        if (request.syncTo().equals(request.repository())) {
          throw new IllegalArgumentException("syncTo names the store itself; give another store");
        }
      }
      if (request.verifyPercent() != null && (request.verifyPercent() < 1 || request.verifyPercent() > 100)) {
        throw new IllegalArgumentException("verifyPercent is a percentage from 1 to 100, not " + request.verifyPercent());
      }
      if (request.gcGraceHours() != null && request.gcGraceHours() < 1) {
        // A shorter grace could delete chunks that a backup running now has stored but not yet referenced.
        throw new IllegalArgumentException("gcGraceHours is at least 1 (24 recommended), not " + request.gcGraceHours());
      }
      if (request.syncTo() == null && request.verifyPercent() == null && request.gcGraceHours() == null) {
        throw new IllegalArgumentException("nothing to do: give syncTo, verifyPercent or gcGraceHours");
      }
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), FailureType.INVALID_INPUT.name());
    }
  }
}
