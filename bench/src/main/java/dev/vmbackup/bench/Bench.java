package dev.vmbackup.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * vmbackup's benchmarks, each against a baseline measured in the same run: guest pause, copy
 * throughput, orchestration overhead, scale on one host. Writes {@code results.md} and
 * {@code results.csv}; not part of the test verdict (a smoke run of {@code --quick} is).
 *
 * <pre>bench/run.sh [--quick] [--runs N] [--cases copy,pause,incremental,overhead,scale,store] [--out DIR]</pre>
 */
public final class Bench {
  private Bench() {}

  public static void main(String[] args) throws Exception {
    Config config = parse(args);
    Report report = run(config);
    report.write(config.out());
    System.out.print(report.markdown());
    System.out.println("written: " + config.out().resolve("results.md") + " and results.csv");
    System.exit(0);
  }

  static Report run(Config config) throws Exception {
    Report report = new Report();
    report.title("vmbackup benchmarks", machine());
    if (config.cases().contains("copy")) {
      CopyThroughput.run(report, config);
    }
    boolean needsTemporal =
        config.cases().stream().anyMatch(c -> Set.of("pause", "incremental", "overhead", "scale", "store").contains(c));
    if (needsTemporal) {
      Path dir = BenchHost.scratch("temporal");
      try (BenchTemporal temporal = new BenchTemporal(dir, 4)) {
        if (config.cases().contains("pause")) {
          try (PauseEvents events = new PauseEvents()) {
            GuestPause.run(report, config, temporal, events);
          }
        }
        if (config.cases().contains("incremental")) {
          IncrementalSize.run(report, config, temporal);
        }
        if (config.cases().contains("overhead")) {
          Overhead.run(report, config, temporal);
        }
        if (config.cases().contains("scale")) {
          Scale.run(report, config, temporal);
        }
        if (config.cases().contains("store")) {
          StoreSize.run(report, config, temporal);
        }
      } finally {
        BenchHost.delete(dir);
      }
    }
    return report;
  }

  static Config parse(String[] args) {
    boolean quick = false;
    int runs = 5;
    Set<String> cases = new LinkedHashSet<>(Arrays.asList("copy", "pause", "incremental", "overhead", "scale", "store"));
    Path out = Path.of("bench/results");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--cases" -> cases = new LinkedHashSet<>(Arrays.asList(args[++i].split(",")));
        case "--out" -> out = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (expected --quick, --runs N, --cases LIST, --out DIR)");
      }
    }
    if (quick) {
      runs = 1;
    }
    return new Config(quick, runs, cases, out);
  }

  private static String machine() {
    String cpu = "unknown CPU";
    try {
      cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
          .findFirst().map(line -> line.substring(line.indexOf(':') + 1).strip()).orElse(cpu);
    } catch (java.io.IOException e) {
      // The header is informative only.
    }
    return "Run " + LocalDate.now() + " on " + Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), "
        + (Runtime.getRuntime().maxMemory() >> 20) + " MiB JVM heap; guests under TCG (no KVM), QEMU 7.2, libvirt 9.0.";
  }
}
