package dev.vmbackup.starter;

import dev.vmbackup.activities.StoreExport;
import dev.vmbackup.host.image.QemuImg;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.ManifestDisk;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "export", mixinStandardHelpOptions = true,
    description = {"Write a backup of a store repository (--repository NAME) into DIR as plain files: each disk a"
        + " standalone qcow2 image, the domain XML, memory state and NVRAM as they were backed up, and"
        + " manifest.json (written last) with the checksums of those files. DIR is a backup directory of kind files;"
        + " it must not exist or be empty.",
        "No Temporal needed; qemu-img converts the images."})
class ExportCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DOMAIN")
  String domain;

  @Parameters(index = "1", paramLabel = "BACKUP_ID", description = "The backup's id as list shows it.")
  String backupId;

  @Parameters(index = "2", paramLabel = "DIR", description = "Where to write the backup; created if missing.")
  Path dir;

  @Override
  public Integer call() {
    try {
      Validation.domainName("domain", domain);
      Validation.backupId(backupId);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    StoreExport.Result result;
    try (StoreAccess access = StoreAccess.of(options)) {
      ChunkStore store = access.open();
      StoreExport.StoredBackup backup = StoreExport.find(store, domain, backupId)
          .orElseThrow(() -> new UserError("no backup " + backupId + " of " + domain + " in store " + access.name()));
      try {
        result = new StoreExport(new QemuImg(new ProcessRunner())).export(store, backup, dir);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (options.json) {
      Output.json(out, Map.of("path", result.dir().toString(), "backupId", backupId, "manifest", result.manifest()));
      return 0;
    }
    out.printf("backup %s of %s exported to %s (%s)%n", backupId, domain, result.dir(), Output.bytes(result.bytes()));
    for (ManifestDisk disk : result.manifest().disks()) {
      out.printf("  %s: %s (qcow2, %s)%n", disk.target(), disk.file(), Output.bytes(disk.bytes()));
    }
    return 0;
  }
}
