package dev.vmbackup.starter;

import dev.vmbackup.workflows.BackupRequestValidation;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Strategy;
import io.temporal.api.common.v1.WorkflowExecution;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "backup", mixinStandardHelpOptions = true,
    description = "Back up a VM: snapshot, copy into the repository, merge, verify. Exit 0 only with a verified backup.")
class BackupCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DOMAIN", description = "libvirt name of the VM.")
  String domain;

  @Option(names = "--capture", paramLabel = "MODE", defaultValue = "quiesce",
      description = "crash, quiesce (freeze guest filesystems through the agent), memory (also save RAM state,"
          + " live) or saved-state (save the VM to a file, which stops it for seconds, and restore it onto new"
          + " overlays). Default: ${DEFAULT-VALUE}.")
  String capture;

  @Option(names = "--strategy", paramLabel = "STRATEGY", defaultValue = "full",
      description = "full (snapshot, copy every disk, merge back), chain (the VM stays on a chain of overlays and"
          + " each backup copies only the layer written since the previous one), incremental (only the blocks"
          + " changed since the last backup, through libvirt's backup API and checkpoints) or differential"
          + " (changed since the last full one). Default: ${DEFAULT-VALUE}.")
  String strategy;

  @Option(names = "--max-chain-length", paramLabel = "N",
      description = "With --strategy chain: overlays a disk's running chain may hold (at least 2); a backup that"
          + " would exceed it consolidates the chain first. Default: "
          + BackupRequest.DEFAULT_MAX_CHAIN_LENGTH + ".")
  Integer maxChainLength;

  @Option(names = "--full-every", paramLabel = "N",
      description = "With incremental or differential: a new full backup after N of them since the last full"
          + " (0: every backup is full); with chain: a new chain after N incrementals. Default: "
          + BackupRequest.DEFAULT_FULL_EVERY + ".")
  Integer fullEvery;

  @Option(names = "--allow-full-fallback",
      description = "With incremental or differential: back up a VM with a disk libvirt cannot track (raw) with a"
          + " full copy every time instead of refusing.")
  boolean allowFullFallback;

  @Override
  public Integer call() {
    BackupRequest request = request();
    PrintWriter out = spec.commandLine().getOut();
    try (TemporalSession session = TemporalSession.open(options)) {
      WorkflowExecution execution = session.client().startBackup(request);
      BackupResult result = ProgressDisplay.follow(session.client(), execution, BackupResult.class, out, !options.json);
      if (options.json) {
        Output.json(out, result);
      } else {
        out.printf("backup %s of %s complete and verified%n", result.backupId(), result.domain());
        out.printf("  path:    %s%n", result.path());
        out.printf("  capture: %s, %d disk(s), %s written%n", result.capture(), result.disks().size(),
            Output.bytes(result.bytesCopied()));
        if (result.strategy() == Strategy.CHAIN) {
          out.printf("  chain:   %s%n", result.parentBackupId() == null ? "new chain (full copy)"
              : "builds on " + result.parentBackupId() + " (only the layer written since)");
        }
        if (result.stoppedMillis() != null) {
          out.printf("  stopped: %d ms%n", result.stoppedMillis());
        }
        result.warnings().forEach(warning -> out.printf("  warning: %s%n", warning));
      }
      return 0;
    }
  }

  /**
   * The request, checked first by the workflow's own validation, so that bad input fails here with the
   * message the workflow would give, before anything starts.
   */
  private BackupRequest request() {
    try {
      Strategy parsed = Strategy.fromWire(strategy);
      if (maxChainLength != null && parsed != Strategy.CHAIN) {
        // Only the command line can tell an option given in vain; a request carries no such thing.
        throw new IllegalArgumentException("--max-chain-length applies to --strategy chain only");
      }
      return BackupRequestValidation.validate(new BackupRequest(domain, options.effectiveHost(),
          CaptureMode.fromWire(capture), options.requestedRepository(), parsed, maxChainLength, null, fullEvery,
          allowFullFallback ? Boolean.TRUE : null));
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
  }
}
