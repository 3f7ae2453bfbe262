package dev.vmbackup.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Waiting for a condition in an end-to-end test; a timeout fails the test, it never passes it. */
final class Awaits {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

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

  /** Whether {@code url} answers 200 now; false while nothing listens there yet. For use in {@link #until}. */
  static boolean answersOk(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode() == 200;
    } catch (IOException notYet) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
