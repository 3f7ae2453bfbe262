package dev.vmbackup.host.repository;

import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.PreparedBackup;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A backup repository: a directory with one subdirectory per domain and one per backup,
 * {@code <root>/<domain>/<backupId>/}. A backup is filled in {@code <backupId>.partial/} and renamed
 * into place when complete; only a directory with a {@code manifest.json} is a backup.
 */
public interface BackupRepository {
  Path root();

  Path backupDir(String domain, String backupId);

  Path partialDir(String domain, String backupId);

  /**
   * Creates the partial directory of a new backup, owned by {@code owner} (recorded in it). Takes
   * {@code proposedBackupId}, or the next free second if a backup or another owner's partial
   * directory has that id. Idempotent: the same owner gets its existing partial directory back.
   *
   * @throws RepositoryException {@code NOT_WRITABLE} when the directory cannot be created
   */
  PreparedBackup prepare(String domain, String proposedBackupId, String owner);

  /**
   * Deletes a failed backup: the partial and final directories of {@code backupId} if given, and every
   * partial directory of the domain owned by {@code owner}. Idempotent.
   */
  void discard(String domain, String backupId, String owner);

  /** Makes every file in the partial directory durable, then renames it into place and syncs the parent. */
  void publish(String domain, String backupId);

  /** Writes {@code manifest.json} into {@code dir} atomically (temporary file, fsync, rename). */
  void writeManifest(Path dir, Manifest manifest);

  /** The manifest of a published backup; empty if there is no such backup. */
  Optional<Manifest> readManifest(String domain, String backupId);

  /** Manifests of the domain's published backups, oldest first; directories without one are skipped. */
  List<Manifest> list(String domain);

  /** Domains that have at least one directory in the repository, sorted. */
  List<String> domains();

  /**
   * Deletes a published backup. It is first renamed to {@code <backupId>.deleting}, so that from that
   * instant it is no longer listed: an interrupted delete never leaves a half-deleted backup that looks
   * good. Idempotent: a retry finishes a rename done before.
   */
  void delete(String domain, String backupId);

  /** Whether the backup is protected from pruning: a file named {@code protected} in its directory. */
  boolean isProtected(String domain, String backupId);

  /** Marks a backup protected from pruning, or removes the mark. */
  void setProtected(String domain, String backupId, boolean protect);
}
