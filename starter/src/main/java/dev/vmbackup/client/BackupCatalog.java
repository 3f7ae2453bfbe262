package dev.vmbackup.client;

import dev.vmbackup.activities.BackupVerifier;
import dev.vmbackup.host.image.QemuImg;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.worker.WorkerAssembly;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.VerifyResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A repository as the command line and the HTTP API see it: its backups, their protection and their
 * verification, read straight from the repository without Temporal. It opens the repository through
 * the same port the activities use ({@link WorkerAssembly#repositories()}), so that a repository kind
 * the worker supports is one the repository commands support too.
 */
public final class BackupCatalog {
  private final BackupRepository repository;

  private BackupCatalog(BackupRepository repository) {
    this.repository = repository;
  }

  /**
   * The repository at {@code repository} (an absolute path for repositories on files).
   *
   * @throws IllegalArgumentException if it cannot name a repository
   */
  public static BackupCatalog open(String repository) {
    return new BackupCatalog(WorkerAssembly.repositories().open(repository));
  }

  public Path root() {
    return repository.root();
  }

  /** Domains that have backups (or a directory) in the repository, sorted. */
  public List<String> domains() {
    return repository.domains();
  }

  /** The domain's published backups, oldest first. */
  public List<Manifest> list(String domain) {
    return repository.list(domain);
  }

  public Optional<Manifest> manifest(String domain, String backupId) {
    return repository.readManifest(domain, backupId);
  }

  public Path backupDir(String domain, String backupId) {
    return repository.backupDir(domain, backupId);
  }

  public boolean isProtected(String domain, String backupId) {
    return repository.isProtected(domain, backupId);
  }

  /** Protects a backup from pruning or removes the protection; a backup that does not exist is refused. */
  public void setProtected(String domain, String backupId, boolean protect) {
    repository.setProtected(domain, backupId, protect);
  }

  /** Re-reads one backup against its manifest (its ancestors are only checked to be there). */
  public VerifyResult verify(String domain, String backupId, Manifest manifest) {
    return verifier().verify(repository.backupDir(domain, backupId), manifest, progress -> { });
  }

  /**
   * A verification of a backup and of every backup it builds on.
   *
   * @param pieces how many backups were re-read
   */
  public record ChainVerification(VerifyResult result, int pieces) {}

  /**
   * Re-reads a backup and, while everything is intact, each backup it builds on: a backup that builds
   * on others is only as good as they are. The problems of an ancestor name it.
   */
  public ChainVerification verifyWithAncestors(String domain, String backupId, Manifest manifest) {
    BackupVerifier verifier = verifier();
    VerifyResult result = verifier.verify(repository.backupDir(domain, backupId), manifest, progress -> { });
    List<String> problems = new ArrayList<>(result.problems());
    int files = result.filesChecked();
    long bytes = result.bytesChecked();
    int pieces = 1;
    for (String parent = manifest.parentBackupId(); parent != null && problems.isEmpty(); pieces++) {
      Manifest piece = repository.readManifest(domain, parent).orElse(null);
      if (piece == null) {
        break; // Reported by the verification above, which checks that the chain is complete.
      }
      VerifyResult verified = verifier.verify(repository.backupDir(domain, parent), piece, progress -> { });
      String id = parent;
      verified.problems().forEach(problem -> problems.add("backup " + id + " (which " + backupId + " builds on): "
          + problem));
      files += verified.filesChecked();
      bytes += verified.bytesChecked();
      parent = piece.parentBackupId();
    }
    return new ChainVerification(new VerifyResult(result.path(), problems.isEmpty(), problems, files, bytes), pieces);
  }

  private static BackupVerifier verifier() {
    return new BackupVerifier(new QemuImg(new ProcessRunner()));
  }
}
