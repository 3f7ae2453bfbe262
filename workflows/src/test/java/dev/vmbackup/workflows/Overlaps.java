package dev.vmbackup.workflows;

import java.util.ArrayList;
import java.util.List;

/** How many of a set of time spans (start, end) were open at once, at most: what limit tests assert. */
final class Overlaps {
  private Overlaps() {}

  static int max(List<long[]> spans) {
    List<long[]> events = new ArrayList<>();
    for (long[] span : spans) {
      events.add(new long[] {span[0], 1});
      events.add(new long[] {span[1], -1});
    }
    // At equal times an end counts before a start: a slot freed and taken in the same instant is no overlap.
    events.sort((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
    int running = 0;
    int max = 0;
    for (long[] event : events) {
      running += (int) event[1];
      max = Math.max(max, running);
    }
    return max;
  }
}
