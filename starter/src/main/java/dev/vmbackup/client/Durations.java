package dev.vmbackup.client;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them in policies: {@code 30s}, {@code 15m}, {@code 1h}, {@code 2d}, {@code 1h30m}. */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+)([smhd])");

  private Durations() {}

  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("a duration is required, e.g. 15m or 1h");
    }
    Matcher matcher = PART.matcher(text.trim());
    Duration total = Duration.ZERO;
    int end = 0;
    while (matcher.find()) {
      if (matcher.start() != end) {
        break;
      }
      long amount = Long.parseLong(matcher.group(1));
      total = total.plus(switch (matcher.group(2)) {
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      });
      end = matcher.end();
    }
    if (end != text.trim().length() || total.isZero()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration: use e.g. 30s, 15m, 1h, 2d or 1h30m");
    }
    return total;
  }
}
