package dev.vmbackup.starter;

import dev.vmbackup.client.BackupCatalog;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.VerifyResult;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Re-read a backup against its manifest's checksums and run qemu-img check on its images;"
        + " for a chained backup, also every backup it builds on. Exit 0 only if it is intact.")
class VerifyCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Spec CommandSpec spec;

  @Mixin BackupArguments backup;

  @Override
  public Integer call() {
    BackupCatalog repository = backup.catalog(options);
    String domain = backup.domain;
    String backupId = backup.backupId;
    Manifest manifest = repository.manifest(domain, backupId)
        .orElseThrow(() -> new UserError("no backup " + backupId + " of " + domain + " in " + repository.root()));
    // A backup that builds on others is only as good as they are: each of them is re-read too.
    BackupCatalog.ChainVerification verification = repository.verifyWithAncestors(domain, backupId, manifest);
    VerifyResult all = verification.result();
    int pieces = verification.pieces();
    PrintWriter out = spec.commandLine().getOut();
    if (options.json) {
      Output.json(out, all);
    } else if (all.ok()) {
      out.printf("backup %s of %s is intact: %d files%s, %s re-read, checksums match, images check clean%n",
          backupId, domain, all.filesChecked(), pieces > 1 ? " of " + pieces + " chained backups" : "",
          Output.bytes(all.bytesChecked()));
    } else {
      all.problems().forEach(problem -> spec.commandLine().getErr().println("vmbackup: " + problem));
    }
    return all.ok() ? 0 : 1;
  }
}
