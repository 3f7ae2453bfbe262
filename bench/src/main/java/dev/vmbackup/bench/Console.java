package dev.vmbackup.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The guest-visible measure of a pause: a thread follows the guest's console, where it prints a record
 * five times a second, and keeps the longest gap between two records it saw arrive.
 */
final class Console implements AutoCloseable {
  private static final Pattern RECORD = Pattern.compile("record \\S+ (\\d+)");

  private final Path file;
  private final Thread follower;
  private volatile boolean running = true;
  private volatile long longestGapNanos;

  private Console(Path file, boolean follow) {
    this.file = file;
    this.follower = new Thread(this::follow, "console-" + file.getFileName());
    this.follower.setDaemon(true);
    if (follow) {
      follower.start();
    }
  }

  static Console of(BenchHost.Guest guest) {
    return new Console(guest.console(), false);
  }

  /** Starts following the console from its current end. */
  static Console follow(BenchHost.Guest guest) {
    return new Console(guest.console(), true);
  }

  /** The longest time between two records since following began, in milliseconds. */
  double longestGapMillis() {
    return longestGapNanos / 1e6;
  }

  long lastRecord() {
    try {
      Matcher matcher = RECORD.matcher(Files.readString(file, StandardCharsets.ISO_8859_1));
      long last = -1;
      while (matcher.find()) {
        last = Long.parseLong(matcher.group(1));
      }
      return last;
    } catch (IOException e) {
      return -1;
    }
  }

  void awaitRecords(int count, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (lastRecord() < count) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("the guest did not write " + count + " records; see " + file);
      }
      sleep(100);
    }
  }

  private void follow() {
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long position = in.length();
      long lastSeen = System.nanoTime();
      StringBuilder pending = new StringBuilder();
      while (running) {
        long length = in.length();
        if (length > position) {
          in.seek(position);
          byte[] bytes = new byte[(int) (length - position)];
          in.readFully(bytes);
          position = length;
          pending.append(new String(bytes, StandardCharsets.ISO_8859_1));
          Matcher matcher = RECORD.matcher(pending);
          int end = 0;
          while (matcher.find()) {
            long now = System.nanoTime();
            longestGapNanos = Math.max(longestGapNanos, now - lastSeen);
            lastSeen = now;
            end = matcher.end();
          }
          pending.delete(0, end);
        }
        sleep(5);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      follower.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
