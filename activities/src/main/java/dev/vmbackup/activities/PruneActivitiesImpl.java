package dev.vmbackup.activities;

import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.RepositoryResolver;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.PruneActivities;
import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.BackupSummary;
import java.util.List;

/** Lists and deletes backups for the prune workflow. */
public final class PruneActivitiesImpl implements PruneActivities {
  private final RepositoryResolver repositories;

  public PruneActivitiesImpl(RepositoryResolver repositories) {
    this.repositories = repositories;
  }

  @Override
  public List<BackupSummary> listBackups(BackupRef domain) {
    return ActivityBoundary.run("list the backups of " + domain.domain(), () -> {
      BackupRepository repository = repositories.open(domain.repository());
      String name = Validation.domainName("domain", domain.domain());
      return repository.list(name).stream()
          .map(manifest -> new BackupSummary(manifest.backupId(), manifest.parentBackupId(),
              repository.isProtected(name, manifest.backupId()), manifest.checkpoint()))
          .toList();
    });
  }

  @Override
  public void deleteBackup(BackupRef backup) {
    ActivityBoundary.run("delete backup " + backup.backupId() + " of " + backup.domain(), () ->
        repositories.open(backup.repository()).delete(
            Validation.domainName("domain", backup.domain()), Validation.backupId(backup.backupId())));
  }
}
