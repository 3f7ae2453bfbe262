package dev.vmbackup.activities;

/** The pause between two looks at something libvirt does on its own (a block job, a domain job). */
final class Polling {
  private Polling() {}

  /**
   * Sleeps; an interrupt (the worker shutting down) ends the activity attempt, whose retry picks up
   * what libvirt went on doing.
   */
  static void pause(long millis, String waitingFor) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + waitingFor, e);
    }
  }
}
