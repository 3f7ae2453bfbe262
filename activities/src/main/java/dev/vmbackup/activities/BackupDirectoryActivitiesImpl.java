package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.RepositoryResolver;
import dev.vmbackup.workflows.BackupLayout;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.BackupDirectoryActivities;
import dev.vmbackup.workflows.model.DiscardBackupRequest;
import dev.vmbackup.workflows.model.PrepareBackupRequest;
import dev.vmbackup.workflows.model.PreparedBackup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Creates and discards backup directories in the repository. */
public final class BackupDirectoryActivitiesImpl implements BackupDirectoryActivities {
  private final Hypervisor hypervisor;
  private final RepositoryResolver repositories;

  public BackupDirectoryActivitiesImpl(RepositoryResolver repositories, Hypervisor hypervisor) {
    this.repositories = repositories;
    this.hypervisor = hypervisor;
  }

  @Override
  public PreparedBackup prepareBackupDirectory(PrepareBackupRequest request) {
    return ActivityBoundary.run("prepare the backup directory of " + request.domain(), () -> {
      BackupRepository repository = repositories.open(request.repository());
      String domain = Validation.domainName("domain", request.domain());
      PreparedBackup prepared =
          repository.prepare(domain, Validation.backupId(request.proposedBackupId()), request.owner());
      // Saved now, before the snapshot: afterwards the persistent definition names the overlays.
      String xml = hypervisor.domainXml(domain, request.domainXmlInactive());
      try {
        Files.writeString(Path.of(prepared.partialDir(), BackupLayout.DOMAIN_XML), xml, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return prepared;
    });
  }

  @Override
  public void discardBackup(DiscardBackupRequest request) {
    ActivityBoundary.run("discard the backup of " + request.domain(), () -> {
      BackupRepository repository = repositories.open(request.repository());
      repository.discard(Validation.domainName("domain", request.domain()),
          request.backupId() == null ? null : Validation.backupId(request.backupId()), request.owner());
    });
  }
}
