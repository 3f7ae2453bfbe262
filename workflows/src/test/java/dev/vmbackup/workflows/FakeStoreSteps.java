package dev.vmbackup.workflows;

import dev.vmbackup.workflows.activities.StoreActivities;
import dev.vmbackup.workflows.activities.StoreMaintenanceActivities;
import dev.vmbackup.workflows.model.StoreIngestRequest;
import dev.vmbackup.workflows.model.StoreIngestResult;
import dev.vmbackup.workflows.model.StoreMaintenanceRequest;
import dev.vmbackup.workflows.model.StoreMaintenanceResult;

/** {@link FakeHost}'s stand-ins for the store steps, journaled like its other fakes. */
final class FakeStoreSteps {
  private FakeStoreSteps() {}

  /** The store upkeep's steps. */
  static final class Maintenance implements StoreMaintenanceActivities {
    private final FakeHost host;

    Maintenance(FakeHost host) {
      this.host = host;
    }

    @Override
    public StoreMaintenanceResult.Sync syncStore(StoreMaintenanceRequest request) {
      host.step("syncStore", request.repository() + " " + request.syncTo(), request);
      return new StoreMaintenanceResult.Sync(request.syncTo(), 1, 10, 1000, 5);
    }

    @Override
    public StoreMaintenanceResult.Verify verifyStore(StoreMaintenanceRequest request) {
      host.step("verifyStore", request.repository() + " " + request.verifyPercent(), request);
      return host.storeVerify != null ? host.storeVerify : new StoreMaintenanceResult.Verify(2, 20, 20, null, null);
    }

    @Override
    public StoreMaintenanceResult.Collection collectStoreGarbage(StoreMaintenanceRequest request) {
      host.step("collectStoreGarbage", request.repository() + " " + request.gcGraceHours(), request);
      return new StoreMaintenanceResult.Collection(20, 3, 300, 1, 2);
    }
  }

  /** The store steps of backups and restores. */
  static final class Store implements StoreActivities {
    private final FakeHost host;

    Store(FakeHost host) {
      this.host = host;
    }

    @Override
    public StoreIngestResult ingestIntoStore(StoreIngestRequest request) {
      host.step("ingestIntoStore", request.store() + " " + request.backupId(), request);
      return new StoreIngestResult(request.store(), "id-" + request.backupId(), 100, 2, 50, 2);
    }

    @Override
    public void unpackFromStore(StoreIngestRequest request) {
      host.step("unpackFromStore", request.store() + " " + request.backupId(), request);
    }

    @Override
    public void forgetStoreBackup(StoreIngestRequest request) {
      host.step("forgetStoreBackup", request.store() + " " + request.backupId(), request);
    }
  }
}
