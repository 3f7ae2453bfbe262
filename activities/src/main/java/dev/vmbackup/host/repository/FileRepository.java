package dev.vmbackup.host.repository;

import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.PreparedBackup;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** {@link BackupRepository} on a local (or mounted) filesystem. */
public final class FileRepository implements BackupRepository {
  private final Path root;

  public FileRepository(Path root) {
    this.root = root;
  }

  @Override
  public Path root() {
    return root;
  }

  @Override
  public Path backupDir(String domain, String backupId) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public Path partialDir(String domain, String backupId) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public PreparedBackup prepare(String domain, String proposedBackupId, String owner) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public void discard(String domain, String backupId, String owner) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public void publish(String domain, String backupId) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public void writeManifest(Path dir, Manifest manifest) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public Optional<Manifest> readManifest(String domain, String backupId) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public List<Manifest> list(String domain) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public List<String> domains() {
    throw new UnsupportedOperationException("TODO");
  }
}
