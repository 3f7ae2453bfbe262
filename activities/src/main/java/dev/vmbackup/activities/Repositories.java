package dev.vmbackup.activities;

import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.FileRepository;
import dev.vmbackup.workflows.Validation;
import java.nio.file.Path;

/** Opens the repository a request names; the path was validated by the workflow and is checked again here. */
public final class Repositories {
  private Repositories() {}

  public static BackupRepository open(String repository) {
    return new FileRepository(Path.of(Validation.absolutePath("repository", repository)));
  }
}
