package dev.vmbackup.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The serial console file of a test guest, where it prints "record BOOT N" for every record it writes. */
public record ConsoleLog(Path file) {
  private static final Pattern RECORD = Pattern.compile("record (\\S+) (\\d+)");

  /** The last record printed, if any. */
  public Optional<GuestRecord> last() {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      String text = Files.readString(file, StandardCharsets.ISO_8859_1);
      Matcher matcher = RECORD.matcher(text);
      GuestRecord last = null;
      while (matcher.find()) {
        last = new GuestRecord(matcher.group(1), Long.parseLong(matcher.group(2)));
      }
      return Optional.ofNullable(last);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until the guest has printed {@code count} more records than now: in the same boot, or
   * {@code count} records of a new boot.
   */
  public GuestRecord waitForNewRecords(int count, Duration timeout) {
    Optional<GuestRecord> before = last();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      Optional<GuestRecord> now = last();
      if (now.isPresent()) {
        boolean sameBoot = before.isPresent() && now.get().boot().equals(before.get().boot());
        long base = sameBoot ? before.get().sequence() : 0;
        if (now.get().sequence() >= base + count) {
          return now.get();
        }
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
    throw new AssertionError("no " + count + " new records on " + file + " within " + timeout + "; last lines:\n"
        + tail(20));
  }

  public String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no console log: " + e.getMessage() + ")";
    }
  }
}
