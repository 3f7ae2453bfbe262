package dev.vmbackup.starter;

import dev.vmbackup.client.Durations;
import dev.vmbackup.store.GarbageCollector;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "gc", mixinStandardHelpOptions = true,
    description = {"Delete what no backup of a store repository (--repository NAME) needs any more: the chunks and"
        + " indexes of pruned or abandoned backups, once older than the grace period. Safe while backups run,"
        + " as long as the grace period is longer than the longest backup (docs/store-format.md)."})
class GcCommand implements Callable<Integer> {
  /** docs/store-format.md: longer than the longest backup plus the hour before a found chunk is touched. */
  static final String DEFAULT_GRACE = "24h";

  @Mixin GlobalOptions options;

  @Spec CommandSpec spec;

  @Option(names = "--grace", paramLabel = "DURATION", defaultValue = DEFAULT_GRACE,
      description = "Keep unreferenced chunks younger than this (30m, 24h, 2d; 0 only when no backup is running)."
          + " Default: ${DEFAULT-VALUE}.")
  String grace;

  @Override
  public Integer call() {
    Duration period;
    try {
      // Durations refuses zero, which a policy interval must not be; here it means "everything unreferenced".
      period = grace.strip().equals("0") ? Duration.ZERO : Durations.parse(grace);
    } catch (IllegalArgumentException e) {
      throw new UserError("--grace: " + e.getMessage());
    }
    GarbageCollector.Report report;
    String name;
    try (StoreAccess access = StoreAccess.of(options)) {
      report = access.open().gc(period);
      name = access.name();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (options.json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("repository", name);
      result.put("graceSeconds", period.toSeconds());
      result.put("markedChunks", report.markedChunks());
      result.put("deletedChunks", report.deletedChunks());
      result.put("deletedBytes", report.deletedBytes());
      result.put("keptYoung", report.keptYoung());
      result.put("deletedIndexes", report.deletedIndexes());
      Output.json(out, result);
      return 0;
    }
    out.printf("referenced chunks: %d%n", report.markedChunks());
    out.printf("deleted chunks: %d (%s)%n", report.deletedChunks(), Output.bytes(report.deletedBytes()));
    out.printf("unreferenced chunks kept, younger than %s: %d%n", grace.strip(), report.keptYoung());
    out.printf("deleted indexes: %d%n", report.deletedIndexes());
    return 0;
  }
}
