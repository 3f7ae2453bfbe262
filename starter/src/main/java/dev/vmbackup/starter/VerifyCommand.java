package dev.vmbackup.starter;

import dev.vmbackup.activities.VerifyActivitiesImpl.BackupVerifier;
import dev.vmbackup.host.image.QemuImg;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.FileRepository;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.VerifyResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Re-read a backup against its manifest's checksums and run qemu-img check on its images."
        + " Exit 0 only if it is intact.")
class VerifyCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DOMAIN")
  String domain;

  @Parameters(index = "1", paramLabel = "BACKUP_ID")
  String backupId;

  @Override
  public Integer call() {
    try {
      Validation.domainName("domain", domain);
      Validation.backupId(backupId);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    BackupRepository repository = new FileRepository(Path.of(options.effectiveRepository()));
    Manifest manifest = repository.readManifest(domain, backupId)
        .orElseThrow(() -> new UserError("no backup " + backupId + " of " + domain + " in " + repository.root()));
    VerifyResult result = new BackupVerifier(new QemuImg(new ProcessRunner()))
        .verify(repository.backupDir(domain, backupId), manifest, progress -> { });
    PrintWriter out = spec.commandLine().getOut();
    if (options.json) {
      Output.json(out, result);
    } else if (result.ok()) {
      out.printf("backup %s of %s is intact: %d files, %s re-read, checksums match, images check clean%n",
          backupId, domain, result.filesChecked(), Output.bytes(result.bytesChecked()));
    } else {
      result.problems().forEach(problem -> spec.commandLine().getErr().println("vmbackup: " + problem));
    }
    return result.ok() ? 0 : 1;
  }
}
