package dev.vmbackup.workflows.activities;

import dev.vmbackup.workflows.model.StoreMaintenanceRequest;
import dev.vmbackup.workflows.model.StoreMaintenanceResult;
import io.temporal.activity.ActivityInterface;

/** Host steps of a store's upkeep ({@code StoreMaintenanceWorkflow}); each reads its part of the request. */
@ActivityInterface
public interface StoreMaintenanceActivities {
  /** Copies the backups the store {@code syncTo} lacks into it, sending only the chunks it lacks. Resumable. */
  StoreMaintenanceResult.Sync syncStore(StoreMaintenanceRequest request);

  /** Re-reads {@code verifyPercent} of the store's chunks; reports bad chunks and the backups they break. */
  StoreMaintenanceResult.Verify verifyStore(StoreMaintenanceRequest request);

  /** Deletes the chunks and indexes no backup references, older than {@code gcGraceHours}. */
  StoreMaintenanceResult.Collection collectStoreGarbage(StoreMaintenanceRequest request);
}
