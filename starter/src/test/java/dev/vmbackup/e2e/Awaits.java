package dev.vmbackup.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Waiting for a condition in an end-to-end test; a timeout fails the test, it never passes it. */
final class Awaits {
  private Awaits() {}

  static void until(String what, BooleanSupplier condition) {
    until(what, Duration.ofMinutes(3), condition);
  }

  static void until(String what, Duration timeout, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (condition.getAsBoolean()) {
        return;
      }
      DevServer.sleep(100);
    }
    throw new AssertionError("timed out waiting until " + what);
  }
}
