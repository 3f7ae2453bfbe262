package dev.vmbackup.starter;

import dev.vmbackup.client.BackupCatalog;
import dev.vmbackup.workflows.Validation;
import picocli.CommandLine.Parameters;

/** The {@code DOMAIN BACKUP_ID} arguments of the commands that act on one backup in the repository. */
class BackupArguments {
  @Parameters(index = "0", paramLabel = "DOMAIN")
  String domain;

  @Parameters(index = "1", paramLabel = "BACKUP_ID")
  String backupId;

  /**
   * The repository of the command, once both arguments are known to be valid (they become path
   * segments in it).
   *
   * @throws UserError naming what is wrong with an argument or the repository (a store, say)
   */
  BackupCatalog catalog(GlobalOptions options) {
    try {
      Validation.domainName("domain", domain);
      Validation.backupId(backupId);
      return BackupCatalog.open(options.filesRepository());
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }
}
