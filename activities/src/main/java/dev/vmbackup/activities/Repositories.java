package dev.vmbackup.activities;

import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.FileRepositories;

/**
 * The repository port before it was handed in: opens a repository on files.
 *
 * @deprecated activities take a {@link dev.vmbackup.host.repository.RepositoryResolver} in their
 *     constructor from {@code WorkerAssembly}; this remains only until {@code BackupJobActivitiesImpl}
 *     does too, and is to be deleted then
 */
@Deprecated
public final class Repositories {
  private Repositories() {}

  public static BackupRepository open(String repository) {
    return new FileRepositories().open(repository);
  }
}
