package dev.vmbackup.workflows;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/** Backup ids are UTC timestamps to the second, such as {@code 20261122T221500Z}: sortable and readable. */
public final class BackupIds {
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern VALID = Pattern.compile("\\d{8}T\\d{6}Z");

  private BackupIds() {}

  public static String fromEpochMillis(long epochMillis) {
    return FORMAT.format(Instant.ofEpochMilli(epochMillis));
  }

  public static Instant toInstant(String backupId) {
    return FORMAT.parse(backupId, Instant::from);
  }

  /** The id one second later: taken when a backup of the proposed id exists already. */
  public static String next(String backupId) {
    return FORMAT.format(toInstant(backupId).plusSeconds(1));
  }

  /** A well-formed id that is also a real instant (no month 13, no second 99). */
  public static boolean isValid(String candidate) {
    if (candidate == null || !VALID.matcher(candidate).matches()) {
      return false;
    }
    try {
      toInstant(candidate);
      return true;
    } catch (java.time.DateTimeException e) {
      return false;
    }
  }
}
