package dev.vmbackup.starter;

import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.PruneDecision;
import dev.vmbackup.workflows.model.PruneRequest;
import dev.vmbackup.workflows.model.PruneResult;
import dev.vmbackup.workflows.model.RetentionPolicy;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "prune", mixinStandardHelpOptions = true,
    description = "Delete the backups of a VM that a retention policy does not keep. Backups that kept ones build"
        + " on, and protected ones, are always kept. --dry-run shows what would go and why.")
class PruneCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Mixin RetentionOptions retention;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DOMAIN")
  String domain;

  @Option(names = "--dry-run", description = "Decide and report; delete nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    RetentionPolicy policy = retention.policy();
    try {
      Validation.domainName("domain", domain);
      Validation.hostName(options.effectiveHost());
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    if (!policy.hasRules()) {
      throw new UserError("give at least one rule, e.g. --keep-daily 7 --keep-weekly 4");
    }
    PruneResult result;
    try (TemporalSession session = TemporalSession.open(options)) {
      result = session.client().prune(new PruneRequest(domain, options.effectiveHost(),
          options.requestedRepository(), policy, dryRun));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (options.json) {
      Output.json(out, result);
      return 0;
    }
    out.printf("%-17s  %-6s  %s%n", "BACKUP", dryRun ? "WOULD" : "ACTION", "WHY");
    for (PruneDecision decision : result.decisions()) {
      out.printf("%-17s  %-6s  %s%n", decision.backupId(), decision.keep() ? "keep" : "remove", decision.reason());
    }
    out.printf("%s%d of %d backups of %s%n", dryRun ? "would remove " : "removed ",
        result.decisions().stream().filter(d -> !d.keep()).count(), result.decisions().size(), domain);
    return 0;
  }
}
