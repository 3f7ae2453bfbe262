package dev.vmbackup.activities;

import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.RepositoryResolver;
import dev.vmbackup.host.repository.Stores;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.PruneActivities;
import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.BackupSummary;
import java.util.List;
import java.util.Optional;

/**
 * Lists and deletes backups for the prune workflow. A repository that is a store's staging directory
 * stands for the store: its backups are listed from the store, and deleting one removes it from the
 * store's list (its chunks go at the next garbage collection that finds nothing else using them).
 */
public final class PruneActivitiesImpl implements PruneActivities {
  private final RepositoryResolver repositories;
  private final Stores stores;

  public PruneActivitiesImpl(RepositoryResolver repositories, Stores stores) {
    this.repositories = repositories;
    this.stores = stores;
  }

  @Override
  public List<BackupSummary> listBackups(BackupRef domain) {
    return ActivityBoundary.run("list the backups of " + domain.domain(), () -> {
      String name = Validation.domainName("domain", domain.domain());
      Optional<String> store = stores.stagedIn(domain.repository());
      if (store.isPresent()) {
        // Every backup in a store is a complete image: none builds on another, none is protected yet.
        return StoreExport.backups(stores.open(store.get()), name).stream()
            .map(backup -> new BackupSummary(backup.files().backupId(), null, false, null))
            .toList();
      }
      BackupRepository repository = repositories.open(domain.repository());
      return repository.list(name).stream()
          .map(manifest -> new BackupSummary(manifest.backupId(), manifest.parentBackupId(),
              repository.isProtected(name, manifest.backupId()), manifest.checkpoint()))
          .toList();
    });
  }

  @Override
  public void deleteBackup(BackupRef backup) {
    ActivityBoundary.run("delete backup " + backup.backupId() + " of " + backup.domain(), () -> {
      String domain = Validation.domainName("domain", backup.domain());
      String backupId = Validation.backupId(backup.backupId());
      Optional<String> store = stores.stagedIn(backup.repository());
      if (store.isPresent()) {
        ChunkStore opened = stores.open(store.get());
        // Idempotent: a retry after the manifest went finds nothing to delete.
        StoreExport.find(opened, domain, backupId).ifPresent(found -> opened.prune(found.stored().backupId()));
        return;
      }
      repositories.open(backup.repository()).delete(domain, backupId);
    });
  }
}
