package dev.vmbackup.starter;

import dev.vmbackup.store.StoreException;
import dev.vmbackup.store.StoreSync;
import dev.vmbackup.workflows.Validation;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "sync", mixinStandardHelpOptions = true,
    description = {"Copy the backups that the store repository --from has and the store repository --to lacks"
        + " (an off-site copy), sending only the chunks --to lacks; manifest last, so an interrupted sync leaves"
        + " no partial backup and running it again resumes. Both stores need the same key file and chunk size."})
class SyncCommand implements Callable<Integer> {
  @Mixin GlobalOptions options;

  @Spec CommandSpec spec;

  @Option(names = "--from", required = true, paramLabel = "NAME",
      description = "The store repository to copy from (host configuration).")
  String from;

  @Option(names = "--to", required = true, paramLabel = "NAME",
      description = "The store repository to copy to (host configuration).")
  String to;

  @Parameters(index = "0", arity = "0..1", paramLabel = "DOMAIN", description = "Only this VM's backups.")
  String domain;

  @Override
  public Integer call() {
    String source = StoreAccess.storeName(options, from, "; vmbackup sync copies between stores only");
    String target = StoreAccess.storeName(options, to, "; vmbackup sync copies between stores only");
    if (source.equals(target)) {
      throw new UserError("--from and --to both name " + source + "; sync copies between two stores");
    }
    String vm;
    try {
      vm = domain == null ? null : Validation.domainName("domain", domain);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage());
    }
    StoreSync.Report report;
    try (StoreAccess input = StoreAccess.named(options, source);
        StoreAccess output = StoreAccess.named(options, target)) {
      report = new StoreSync(input.open(), output.open()).run(vm, null);
    } catch (StoreException e) {
      throw new UserError("cannot sync " + source + " to " + target + ": " + e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (options.json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("from", source);
      result.put("to", target);
      result.put("backupsCopied", report.backupsCopied());
      result.put("chunksSent", report.chunksSent());
      result.put("bytesSent", report.bytesSent());
      result.put("chunksPresent", report.chunksPresent());
      result.put("copied", report.copied());
      Output.json(out, result);
      return 0;
    }
    out.printf("backups copied: %d%n", report.backupsCopied());
    out.printf("chunks sent: %d (%s)%n", report.chunksSent(), Output.bytes(report.bytesSent()));
    out.printf("chunks already there: %d%n", report.chunksPresent());
    return 0;
  }

}
