package dev.vmbackup.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A smoke run of the benchmark's small cases, so that the benchmark keeps working; its numbers are
 * not judged here (speed is never asserted in tests).
 */
class BenchSmokeTest {
  @Test
  void theQuickCopyAndOverheadCasesProduceTheirTables(@TempDir Path out) throws Exception {
    Report report = Bench.run(new Config(true, 1, Set.of("copy", "overhead"), out));
    report.write(out);

    String markdown = Files.readString(out.resolve("results.md"));
    assertThat(markdown).contains("## Copy throughput").contains("baseline: cp --sparse=always")
        .contains("## Orchestration overhead").contains("ratio workflow / plain script");
    assertThat(Files.readAllLines(out.resolve("results.csv")))
        .first().isEqualTo("table,case,metric,median,min,max,runs,ratio");
    assertThat(Files.readAllLines(out.resolve("results.csv"))).anyMatch(line -> line.startsWith("copy,"))
        .anyMatch(line -> line.startsWith("overhead,workflow,"));
  }
}
