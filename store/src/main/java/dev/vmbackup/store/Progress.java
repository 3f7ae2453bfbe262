package dev.vmbackup.store;

import java.util.function.Supplier;

/**
 * Lets a long store operation (a backup, a restore, a verification, a collection, a sync) show whoever
 * runs it that it is alive: an activity turns each report into a heartbeat, so that a restore of a large
 * disk is not taken for a hung one and a cancellation reaches it. The operations report from the thread
 * that called them, at most once a second; a listener may throw (a cancellation) to stop the operation.
 */
public final class Progress {
  private static final long INTERVAL_NANOS = 1_000_000_000L;
  private static final ThreadLocal<Listener> CURRENT = new ThreadLocal<>();

  private static final class Listener {
    final Runnable report;
    long last = System.nanoTime();

    Listener(Runnable report) {
      this.report = report;
    }
  }

  private Progress() {}

  /** Runs {@code body}, calling {@code report} on this thread while the store works for it. */
  public static <T> T reporting(Runnable report, Supplier<T> body) {
    Listener previous = CURRENT.get();
    CURRENT.set(new Listener(report));
    try {
      return body.get();
    } finally {
      if (previous == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(previous);
      }
    }
  }

  /**
   * Called by the store's loops, and by its callers' own long loops around it (checksums of what a
   * restore wrote), on the caller's thread; reports when a second has passed since the last report.
   */
  public static void tick() {
    Listener listener = CURRENT.get();
    if (listener == null) {
      return;
    }
    long now = System.nanoTime();
    if (now - listener.last >= INTERVAL_NANOS) {
      listener.last = now;
      listener.report.run();
    }
  }
}
