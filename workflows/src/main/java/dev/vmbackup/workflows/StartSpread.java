package dev.vmbackup.workflows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The start spread of a policy run: each backup gets an offset, uniformly random in
 * {@code [0, window)} at millisecond resolution, before which it does not start. The random source is
 * the workflow's ({@code Workflow.newRandom()}), seeded by the run, so a replay draws the same offsets.
 */
final class StartSpread {
  private StartSpread() {}

  /** One offset per backup, in the order of the backups, each within {@code [0, windowSeconds)}. */
  static List<Duration> offsets(Random random, int count, int windowSeconds) {
    List<Duration> offsets = new ArrayList<>(count);
    long windowMillis = windowSeconds * 1000L;
    for (int i = 0; i < count; i++) {
      offsets.add(Duration.ofMillis(windowMillis <= 0 ? 0 : (long) (random.nextDouble() * windowMillis)));
    }
    return offsets;
  }
}
