package dev.vmbackup.activities;

import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.RepositoryResolver;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.activities.VerifyActivities;
import dev.vmbackup.workflows.model.BackupRef;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.Verification;
import dev.vmbackup.workflows.model.VerifyRequest;
import dev.vmbackup.workflows.model.VerifyResult;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Re-reads a backup against its manifest. */
public final class VerifyActivitiesImpl implements VerifyActivities {
  private final BackupVerifier verifier;
  private final RepositoryResolver repositories;

  public VerifyActivitiesImpl(RepositoryResolver repositories, ImageTool images) {
    this.repositories = repositories;
    this.verifier = new BackupVerifier(images);
  }

  @Override
  public VerifyResult verifyBackup(VerifyRequest request) {
    return ActivityBoundary.run("verify backup " + request.backupId() + " of " + request.domain(), () -> {
      BackupRepository repository = repositories.open(request.repository());
      Manifest manifest = read(repository, request.domain(), request.backupId());
      Path dir = repository.backupDir(request.domain(), request.backupId());
      VerifyResult result = verifier.verify(dir, manifest, Heartbeats::beat);
      if (request.record()) {
        repository.writeManifest(dir, manifest.withVerification(new Verification(Instant.now().toString(), result.ok())));
      }
      return result;
    });
  }

  @Override
  public Manifest readManifest(BackupRef backup) {
    return ActivityBoundary.run("read backup " + backup.backupId() + " of " + backup.domain(),
        () -> read(repositories.open(backup.repository()), backup.domain(), backup.backupId()));
  }

  @Override
  public List<Manifest> readBackupChain(BackupRef backup) {
    return ActivityBoundary.run("read the chain of backup " + backup.backupId() + " of " + backup.domain(), () -> {
      BackupRepository repository = repositories.open(backup.repository());
      List<Manifest> chain = new ArrayList<>();
      Manifest current = read(repository, backup.domain(), backup.backupId());
      chain.add(current);
      while (current.parentBackupId() != null) {
        String parent = current.parentBackupId();
        if (chain.stream().anyMatch(m -> m.backupId().equals(parent)) || chain.size() > BackupVerifier.MAX_CHAIN) {
          throw new HostFailure(FailureType.VERIFICATION_FAILED,
              "the chain of backup " + backup.backupId() + " loops or is longer than " + BackupVerifier.MAX_CHAIN);
        }
        Manifest child = current;
        current = repository.readManifest(backup.domain(), Validation.backupId(parent))
            .orElseThrow(() -> new HostFailure(FailureType.BACKUP_NOT_FOUND,
                "the chain of backup " + backup.backupId() + " is broken: " + child.backupId() + " needs backup "
                    + parent + ", which is not in " + repository.root()));
        chain.add(current);
      }
      java.util.Collections.reverse(chain);
      return chain;
    });
  }

  private static Manifest read(BackupRepository repository, String domain, String backupId) {
    Validation.domainName("domain", domain);
    Validation.backupId(backupId);
    return repository.readManifest(domain, backupId)
        .orElseThrow(() -> new HostFailure(FailureType.BACKUP_NOT_FOUND,
            "no backup " + backupId + " of " + domain + " in " + repository.root()));
  }
}
