package dev.vmbackup.activities;

import dev.vmbackup.host.repository.Stores;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.store.GarbageCollector;
import dev.vmbackup.store.Progress;
import dev.vmbackup.store.StoreSync;
import dev.vmbackup.store.Verifier;
import dev.vmbackup.workflows.activities.StoreMaintenanceActivities;
import dev.vmbackup.workflows.model.StoreMaintenanceRequest;
import dev.vmbackup.workflows.model.StoreMaintenanceResult;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host side of a store's upkeep: thin adapters over the store's own sync, verification and garbage
 * collection, each naming the stores by the host's configuration (a name the host does not define as a
 * store fails {@code INVALID_INPUT}). The store's progress reports become heartbeats, however long a run is.
 */
public final class StoreMaintenanceActivitiesImpl implements StoreMaintenanceActivities {
  private final Stores stores;

  public StoreMaintenanceActivitiesImpl(Stores stores) {
    this.stores = stores;
  }

  @Override
  public StoreMaintenanceResult.Sync syncStore(StoreMaintenanceRequest request) {
    return ActivityBoundary.run("sync store " + request.repository() + " to " + request.syncTo(), () -> Progress.reporting(
        StoreActivitiesImpl.HEARTBEAT, () -> {
      StoreSync.Report report = new StoreSync(stores.open(request.repository()), stores.open(request.syncTo()))
          .run(null, null);
      return new StoreMaintenanceResult.Sync(request.syncTo(), report.backupsCopied(), report.chunksSent(),
          report.bytesSent(), report.chunksPresent());
    }));
  }

  @Override
  public StoreMaintenanceResult.Verify verifyStore(StoreMaintenanceRequest request) {
    return ActivityBoundary.run("verify store " + request.repository(), () -> Progress.reporting(
        StoreActivitiesImpl.HEARTBEAT, () -> {
      ChunkStore store = stores.open(request.repository());
      Verifier.Report report = store.verify(request.verifyPercent() / 100.0,
          request.verifySeed() == null ? 0 : request.verifySeed());
      Map<String, String> names = new HashMap<>();
      if (!report.failedBackups().isEmpty()) {
        // Named as operators know them, where the backup's own manifest can still be read.
        for (StoreExport.StoredBackup backup : StoreExport.backups(store, null)) {
          names.put(backup.stored().backupId(), backup.files().domain() + " " + backup.files().backupId());
        }
      }
      List<String> failed = report.failedBackups().stream().sorted()
          .map(id -> names.getOrDefault(id, "store backup " + id)).toList();
      return new StoreMaintenanceResult.Verify(report.backups(), report.referencedChunks(), report.checkedChunks(),
          report.bad().stream().map(bad -> bad.key() + ": " + bad.reason()).toList(), failed);
    }));
  }

  @Override
  public StoreMaintenanceResult.Collection collectStoreGarbage(StoreMaintenanceRequest request) {
    return ActivityBoundary.run("collect the garbage of store " + request.repository(), () -> Progress.reporting(
        StoreActivitiesImpl.HEARTBEAT, () -> {
      GarbageCollector.Report report = stores.open(request.repository())
          .gc(Duration.ofHours(request.gcGraceHours()));
      return new StoreMaintenanceResult.Collection(report.markedChunks(), report.deletedChunks(),
          report.deletedBytes(), report.keptYoung(), report.deletedIndexes());
    }));
  }
}
