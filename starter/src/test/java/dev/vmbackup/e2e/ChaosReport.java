package dev.vmbackup.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The report of a run of {@link ChaosE2ETest}: rounds per fault and strategy, outcomes, recovery times. */
final class ChaosReport {
  private ChaosReport() {}

  /**
   * One round.
   *
   * @param outcome {@code complete}, {@code compensated} or {@code ended before the fault}
   * @param recovery from the victim's restart to the backup's end; zero when it ended before the restart
   */
  record Round(int round, String strategy, String capture, String fault, long delayMillis, String outcome,
      Duration recovery) {
    String summary() {
      return String.format(Locale.ROOT, "%s, %.1f s after the victim's restart", outcome, recovery.toMillis() / 1000.0);
    }
  }

  static void write(Path file, long seed, int rounds, List<Round> outcomes) {
    StringBuilder md = new StringBuilder();
    md.append("# Fault harness (scripts/chaos.sh)\n\n")
        .append("Run ").append(Instant.now()).append(", seed ").append(seed).append(", ")
        .append(outcomes.size()).append(" of ").append(rounds).append(" rounds finished")
        .append(outcomes.size() < rounds ? " (the run stopped at a failed round: see the test output)" : "")
        .append(". Replay: `scripts/chaos.sh --seed ").append(seed).append(" --rounds ").append(rounds).append("`.\n\n")
        .append("Every finished round ended complete (verified) or compensated with every invariant holding, and ")
        .append("the next backup of the VM succeeded; a round that did not would have failed the run.\n\n")
        .append("## Rounds per fault and strategy\n\n| fault | full | chain | incremental | complete | compensated | ")
        .append("ended before the fault | recovery median (s) | recovery worst (s) |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    Map<String, List<Round>> byFault = outcomes.stream()
        .collect(Collectors.groupingBy(Round::fault, TreeMap::new, Collectors.toList()));
    byFault.forEach((fault, list) -> {
      List<Duration> recoveries = list.stream().filter(r -> !r.outcome().equals("ended before the fault"))
          .map(Round::recovery).sorted().toList();
      md.append("| ").append(fault)
          .append(" | ").append(count(list, "strategy", "full"))
          .append(" | ").append(count(list, "strategy", "chain"))
          .append(" | ").append(count(list, "strategy", "incremental"))
          .append(" | ").append(count(list, "outcome", "complete"))
          .append(" | ").append(count(list, "outcome", "compensated"))
          .append(" | ").append(count(list, "outcome", "ended before the fault"))
          .append(" | ").append(recoveries.isEmpty() ? "-" : seconds(recoveries.get(recoveries.size() / 2)))
          .append(" | ").append(recoveries.isEmpty() ? "-" : seconds(recoveries.get(recoveries.size() - 1)))
          .append(" |\n");
    });
    md.append("\n## Every round\n\n| round | strategy | capture | fault | fault after (ms) | outcome | recovery (s) |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- |\n");
    outcomes.stream().sorted(Comparator.comparingInt(Round::round)).forEach(r -> md.append("| ").append(r.round())
        .append(" | ").append(r.strategy()).append(" | ").append(r.capture()).append(" | ").append(r.fault())
        .append(" | ").append(r.delayMillis()).append(" | ").append(r.outcome()).append(" | ")
        .append(seconds(r.recovery())).append(" |\n"));
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, md.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long count(List<Round> rounds, String field, String value) {
    return rounds.stream().filter(r -> (field.equals("strategy") ? r.strategy() : r.outcome()).equals(value)).count();
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f", duration.toMillis() / 1000.0);
  }
}
