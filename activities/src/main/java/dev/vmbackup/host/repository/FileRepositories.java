package dev.vmbackup.host.repository;

import dev.vmbackup.workflows.Validation;
import java.nio.file.Path;

/**
 * Repositories on a local (or mounted) filesystem: {@link FileRepository}s named by absolute path. The
 * path was validated by the workflow already and is checked again here, since it becomes the root of
 * every file the repository writes.
 */
public final class FileRepositories implements RepositoryResolver {
  @Override
  public BackupRepository open(String repository) {
    return new FileRepository(Path.of(Validation.absolutePath("repository", repository)));
  }
}
