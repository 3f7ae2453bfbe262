package dev.vmbackup.activities;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failpoints for fault-injection tests, set in a worker's environment; never on a production host (a
 * worker that has one says so in its log at each use).
 *
 * <ul>
 *   <li>{@code VMBACKUP_FAULT_DELAY="PlanIncrementalBackup=600,..."}: each named activity waits that many
 *       seconds (kept alive by its heartbeats) before it acts, so that a test can kill or freeze the
 *       worker inside a step that is otherwise over in milliseconds.
 *   <li>{@code VMBACKUP_FAULT_REPEAT="all"} (or a list of activity types): the first attempt of each
 *       named activity fails right after it acted, as if its completion had been lost with a dead
 *       worker, so the step runs again: a test of every step's idempotency in one workflow.
 * </ul>
 */
final class Failpoints {
  private static final Logger log = LoggerFactory.getLogger(Failpoints.class);
  private static final Map<String, Duration> DELAYS = delays(System.getenv("VMBACKUP_FAULT_DELAY"));
  private static final Set<String> REPEATS = repeats(System.getenv("VMBACKUP_FAULT_REPEAT"));

  private Failpoints() {}

  /** Waits before the activity of this type acts, if a delay is configured for it. */
  static void before(String activityType) {
    Duration delay = DELAYS.get(activityType);
    if (delay == null) {
      return;
    }
    log.warn("fault injection: {} waits {} s before it acts (VMBACKUP_FAULT_DELAY)", activityType,
        delay.toSeconds());
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Fails the first attempt of an activity of this type after it acted, if so configured. */
  static void after(String activityType, int attempt) {
    if (attempt == 1 && (REPEATS.contains("all") || REPEATS.contains(activityType))) {
      log.warn("fault injection: {} acted, and its completion is lost (VMBACKUP_FAULT_REPEAT)", activityType);
      throw new LostCompletion(activityType);
    }
  }

  /** A retryable failure standing for a completion that never reached the server. */
  static final class LostCompletion extends RuntimeException {
    LostCompletion(String activityType) {
      super("fault injection: the first attempt of " + activityType + " acted and its completion was lost");
    }
  }

  static Map<String, Duration> delays(String setting) {
    if (setting == null || setting.isBlank()) {
      return Map.of();
    }
    Map<String, Duration> delays = new HashMap<>();
    for (String entry : setting.split(",")) {
      String[] parts = entry.strip().split("=", 2);
      if (parts.length != 2 || !parts[1].strip().matches("\\d{1,6}")) {
        throw new IllegalStateException(
            "VMBACKUP_FAULT_DELAY: '" + entry + "' is not ActivityType=seconds (a test-only setting)");
      }
      delays.put(parts[0].strip(), Duration.ofSeconds(Long.parseLong(parts[1].strip())));
    }
    return Map.copyOf(delays);
  }

  static Set<String> repeats(String setting) {
    if (setting == null || setting.isBlank()) {
      return Set.of();
    }
    return Set.of(setting.strip().split("\\s*,\\s*"));
  }
}
