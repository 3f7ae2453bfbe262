package dev.vmbackup.starter;

import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.RestoreRequest;
import dev.vmbackup.workflows.model.RestoreResult;
import io.temporal.api.common.v1.WorkflowExecution;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {
      "Restore a backup as a new VM (--as NAME), or in place (--in-place), optionally resuming the saved memory"
          + " state (--memory). Checksums are verified before anything is changed; existing domains and files are"
          + " never overwritten (--force moves existing files aside instead)."
    })
class RestoreCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DOMAIN", description = "The VM the backup was taken of.")
  String domain;

  @Parameters(index = "1", paramLabel = "BACKUP_ID", description = "e.g. 20261122T221500Z (see: vmbackup list).")
  String backupId;

  @Option(names = "--as", paramLabel = "NAME", description = "Define a new VM with this name, new UUID and MACs.")
  String as;

  @Option(names = "--in-place", description = "Replace the VM's disks; the current ones are kept aside, renamed.")
  boolean inPlace;

  @Option(names = "--memory", description = "In place, and resume the guest from the backup's saved memory state.")
  boolean memory;

  @Option(names = "--target-dir", paramLabel = "DIR",
      description = "With --as: where the new disks go (default: beside the original's first disk).")
  String targetDir;

  @Option(names = "--no-start", description = "Do not start the restored VM.")
  boolean noStart;

  @Option(names = "--flatten",
      description = "With --as: one standalone image per disk instead of a chain of layers.")
  boolean flatten;

  @Option(names = "--force", description = "Move existing files at the target paths aside instead of refusing.")
  boolean force;

  @Option(names = "--disk", paramLabel = "TARGET=BACKUP_ID",
      description = "With --as: restore this disk (e.g. vdb) from another backup of the same VM; every other disk"
          + " comes from BACKUP_ID. Repeatable. Disks are never restored to different points otherwise.")
  Map<String, String> diskPoints;

  @Override
  public Integer call() {
    RestoreRequest request = request();
    PrintWriter out = spec.commandLine().getOut();
    try (TemporalSession session = TemporalSession.open(options)) {
      WorkflowExecution execution = session.client().startRestore(request);
      RestoreResult result = ProgressDisplay.follow(session.client(), execution, RestoreResult.class, out, !options.json);
      if (options.json) {
        Output.json(out, result);
      } else {
        out.printf("restored backup %s as %s (%s), %s%n", result.backupId(), result.domain(), result.mode(),
            result.running() ? "running" : "not started");
        result.disks().forEach(disk -> out.printf("  disk:       %s%n", disk));
        result.keptAside().forEach(file -> out.printf("  kept aside: %s%n", file));
      }
      return 0;
    }
  }

  private Map<String, String> diskPoints(String newName) {
    if (diskPoints == null || diskPoints.isEmpty()) {
      return null;
    }
    if (newName == null) {
      throw new IllegalArgumentException("--disk restores a disk from another backup into a new VM; use it with --as");
    }
    diskPoints.values().forEach(Validation::backupId);
    return diskPoints;
  }

  private RestoreRequest request() {
    try {
      Validation.domainName("domain", domain);
      Validation.backupId(backupId);
      if (as != null) {
        Validation.domainName("new domain name", as);
      }
      if (as != null && (inPlace || memory)) {
        throw new IllegalArgumentException("choose one: --as NAME restores beside the original, --in-place or"
            + " --memory replace it");
      }
      if (as == null && !inPlace && !memory) {
        throw new IllegalArgumentException("say how to restore: --as NAME for a new VM, --in-place to replace "
            + domain + "'s disks (the current ones are kept aside), or --memory to also resume its saved state");
      }
      String target = targetDir == null ? null
          : Validation.absolutePath("target directory", java.nio.file.Path.of(targetDir).toAbsolutePath().toString());
      return new RestoreRequest(domain, backupId, as, memory ? Boolean.TRUE : null, inPlace ? Boolean.TRUE : null,
          target, noStart ? Boolean.FALSE : null, force ? Boolean.TRUE : null, options.requestedRepository(),
          Validation.hostName(options.effectiveHost()), flatten ? Boolean.TRUE : null, diskPoints(as));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }
}
