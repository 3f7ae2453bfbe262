package dev.vmbackup.starter;

import dev.vmbackup.activities.StoreExport;
import dev.vmbackup.store.ChunkStore;
import dev.vmbackup.store.StoreConfig;
import dev.vmbackup.store.Verifier;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "repository", mixinStandardHelpOptions = true,
    description = "Manage the repositories of this host's configuration.",
    subcommands = {RepositoryCommand.Init.class, RepositoryCommand.Verify.class})
class RepositoryCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Create the store repository NAME (kind store in the host configuration), empty, encrypted"
          + " with its keyFile if it names one. Refuses a place that already holds a store.",
          "Repositories of kind files need no init."})
  static class Init implements Callable<Integer> {
    @Mixin GlobalOptions options;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "A repository of kind store of the host configuration.")
    String name;

    @Override
    public Integer call() {
      String checked = StoreAccess.storeName(options, name, ": repositories of kind files need no init");
      StoreConfig config;
      String location;
      try (StoreAccess access = StoreAccess.named(options, checked)) {
        ChunkStore store = access.init();
        config = store.config();
        location = access.location();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (options.json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("repository", checked);
        result.put("location", location);
        result.put("chunkSize", config.chunkSize());
        result.put("encrypted", config.encrypted());
        result.put("keyFingerprint", config.keyFingerprint());
        Output.json(out, result);
        return 0;
      }
      out.printf("store %s created at %s%n", checked, location);
      out.printf("chunk size: %s%n", Output.bytes(config.chunkSize()));
      out.printf("key fingerprint: %s%n", config.encrypted() ? config.keyFingerprint() : "not encrypted");
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Re-read the chunks of the store repository NAME (all, or a sample) and check each against its"
          + " digest; report the backups that reference a missing or corrupt chunk. Exit 0 only if all is well.",
          "Every manifest and index is always read; --sample PERCENT re-reads that share of the chunks, chosen"
              + " by --seed, so that a schedule can cover the store over several runs."})
  static class Verify implements Callable<Integer> {
    @Mixin GlobalOptions options;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "A repository of kind store of the host configuration.")
    String name;

    @Option(names = "--sample", paramLabel = "PERCENT", defaultValue = "100",
        description = "Share of the chunks to re-read, 1 to 100 (default 100).")
    int sample;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
        description = "Which sample: runs with the same seed re-read the same chunks (default 0).")
    long seed;

    @Override
    public Integer call() {
      if (sample < 1 || sample > 100) {
        throw new UserError("--sample is a percentage from 1 to 100, not " + sample);
      }
      String checked = StoreAccess.storeName(options, name, "; vmbackup repository verify reads stores only");
      Verifier.Report report;
      Map<String, String> names = new LinkedHashMap<>();
      try (StoreAccess access = StoreAccess.named(options, checked)) {
        ChunkStore store = access.open();
        report = store.verify(sample / 100.0, seed);
        // Failed backups are named as the user knows them (domain and backup id) where their manifests
        // can still be read.
        for (StoreExport.StoredBackup backup : StoreExport.backups(store, null)) {
          names.put(backup.stored().backupId(), backup.files().domain() + " " + backup.files().backupId());
        }
      }
      List<String> failed = report.failedBackups().stream().sorted()
          .map(id -> names.getOrDefault(id, "store backup " + id)).toList();
      PrintWriter out = spec.commandLine().getOut();
      if (options.json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("repository", checked);
        result.put("ok", report.ok());
        result.put("backups", report.backups());
        result.put("referencedChunks", report.referencedChunks());
        result.put("checkedChunks", report.checkedChunks());
        result.put("badChunks", report.bad().stream().map(bad -> Map.of("key", bad.key(), "reason", bad.reason())).toList());
        result.put("failedBackups", failed);
        Output.json(out, result);
        return report.ok() ? 0 : 1;
      }
      out.printf("store %s: %d backups, %d chunks referenced, %d re-read%n", checked, report.backups(),
          report.referencedChunks(), report.checkedChunks());
      if (report.ok()) {
        out.println("every chunk re-read is intact");
        return 0;
      }
      PrintWriter err = spec.commandLine().getErr();
      report.bad().forEach(bad -> err.println("vmbackup: bad chunk " + bad.key() + ": " + bad.reason()));
      failed.forEach(backup -> err.println("vmbackup: backup failed verification: " + backup));
      return 1;
    }
  }
}
