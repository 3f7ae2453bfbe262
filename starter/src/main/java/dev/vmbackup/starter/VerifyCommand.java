package dev.vmbackup.starter;

import dev.vmbackup.activities.BackupVerifier;
import dev.vmbackup.host.image.QemuImg;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.host.repository.BackupRepository;
import dev.vmbackup.host.repository.FileRepository;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.Manifest;
import dev.vmbackup.workflows.model.VerifyResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Re-read a backup against its manifest's checksums and run qemu-img check on its images;"
        + " for a chained backup, also every backup it builds on. Exit 0 only if it is intact.")
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
    BackupVerifier verifier = new BackupVerifier(new QemuImg(new ProcessRunner()));
    VerifyResult result = verifier.verify(repository.backupDir(domain, backupId), manifest, progress -> { });
    // A backup that builds on others is only as good as they are: each of them is re-read too.
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
    VerifyResult all = new VerifyResult(result.path(), problems.isEmpty(), problems, files, bytes);
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
