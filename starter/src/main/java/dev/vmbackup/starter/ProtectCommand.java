package dev.vmbackup.starter;

import dev.vmbackup.client.BackupCatalog;
import dev.vmbackup.host.repository.RepositoryException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "protect", mixinStandardHelpOptions = true,
    description = "Protect a backup from pruning (or remove the protection with --off).")
class ProtectCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Spec CommandSpec spec;

  @Mixin BackupArguments backup;

  @Option(names = "--off", description = "Remove the protection.")
  boolean off;

  @Override
  public Integer call() {
    BackupCatalog repository = backup.catalog(options);
    try {
      repository.setProtected(backup.domain, backup.backupId, !off);
    } catch (IllegalArgumentException | RepositoryException e) {
      throw new UserError(e.getMessage());
    }
    spec.commandLine().getOut().printf("backup %s of %s is %s%n", backup.backupId, backup.domain,
        off ? "no longer protected" : "protected from pruning");
    return 0;
  }
}
