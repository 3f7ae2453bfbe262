package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.BackupSummary;
import dev.vmbackup.workflows.model.PruneDecision;
import dev.vmbackup.workflows.model.RetentionPolicy;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides which backups a retention policy keeps. Pure and deterministic, so that the prune workflow
 * can run it and an operator can preview it ({@code vmbackup prune --dry-run}). The selection follows
 * Proxmox Backup Server's, which operators know: see {@link RetentionPolicy}.
 */
public final class Retention {
  private Retention() {}

  private record Rule(String name, Integer keep, Function<ZonedDateTime, String> bucket) {}

  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH");
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd");
  private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM");

  /** One decision per backup, newest first. */
  public static List<PruneDecision> decide(List<BackupSummary> backups, RetentionPolicy policy) {
    List<BackupSummary> newestFirst = new ArrayList<>(backups);
    newestFirst.sort(Comparator.comparing(BackupSummary::backupId).reversed());
    Map<String, String> kept = new LinkedHashMap<>();
    if (!policy.hasRules()) {
      newestFirst.forEach(backup -> kept.put(backup.backupId(), "no retention rule: nothing is pruned"));
      return decisions(newestFirst, kept, Map.of());
    }
    for (BackupSummary backup : newestFirst) {
      if (backup.protectedBackup()) {
        kept.put(backup.backupId(), "protected");
      }
    }
    List<Rule> rules = List.of(
        new Rule("keep-last", policy.keepLast(), time -> null),
        new Rule("keep-hourly", policy.keepHourly(), HOUR::format),
        new Rule("keep-daily", policy.keepDaily(), DAY::format),
        new Rule("keep-weekly", policy.keepWeekly(),
            time -> time.get(IsoFields.WEEK_BASED_YEAR) + "-W" + String.format("%02d", time.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR))),
        new Rule("keep-monthly", policy.keepMonthly(), MONTH::format),
        new Rule("keep-yearly", policy.keepYearly(), time -> Integer.toString(time.getYear())));
    Map<String, String> removedByRule = new HashMap<>();
    for (Rule rule : rules) {
      if (rule.keep() == null || rule.keep() <= 0) {
        continue;
      }
      select(newestFirst, rule, kept, removedByRule);
    }
    // A kept backup is only restorable with everything it builds on.
    Map<String, BackupSummary> byId = new HashMap<>();
    newestFirst.forEach(backup -> byId.put(backup.backupId(), backup));
    for (BackupSummary backup : newestFirst) {
      if (!kept.containsKey(backup.backupId())) {
        continue;
      }
      String child = backup.backupId();
      String parent = backup.parentBackupId();
      while (parent != null && byId.containsKey(parent)) {
        kept.putIfAbsent(parent, "needed by " + child);
        child = parent;
        parent = byId.get(parent).parentBackupId();
      }
    }
    return decisions(newestFirst, kept, removedByRule);
  }

  /**
   * One rule: walking newest first, the first backup of each bucket is kept until the rule has its N
   * buckets; older backups of a bucket already taken are removed. Buckets that backups kept by an
   * earlier rule fall into do not count.
   */
  private static void select(List<BackupSummary> newestFirst, Rule rule, Map<String, String> kept,
      Map<String, String> removedByRule) {
    Set<String> alreadyCovered = new HashSet<>();
    for (BackupSummary backup : newestFirst) {
      if (kept.containsKey(backup.backupId())) {
        alreadyCovered.add(bucket(rule, backup));
      }
    }
    Set<String> selected = new HashSet<>();
    for (BackupSummary backup : newestFirst) {
      if (kept.containsKey(backup.backupId()) || removedByRule.containsKey(backup.backupId())) {
        continue;
      }
      String bucket = bucket(rule, backup);
      if (alreadyCovered.contains(bucket)) {
        continue;
      }
      if (selected.contains(bucket)) {
        removedByRule.put(backup.backupId(), "a newer backup covers " + rule.name() + " " + bucket);
        continue;
      }
      if (selected.size() >= rule.keep()) {
        break;
      }
      selected.add(bucket);
      kept.put(backup.backupId(), rule.name() + (rule.name().equals("keep-last") ? "" : " " + bucket));
    }
  }

  private static String bucket(Rule rule, BackupSummary backup) {
    String bucket = rule.bucket().apply(time(backup));
    // keep-last: every backup is its own bucket.
    return bucket == null ? backup.backupId() : bucket;
  }

  private static ZonedDateTime time(BackupSummary backup) {
    Instant instant = BackupIds.toInstant(backup.backupId());
    return instant.atZone(ZoneOffset.UTC);
  }

  private static List<PruneDecision> decisions(
      List<BackupSummary> newestFirst, Map<String, String> kept, Map<String, String> removedByRule) {
    List<PruneDecision> decisions = new ArrayList<>();
    for (BackupSummary backup : newestFirst) {
      String reason = kept.get(backup.backupId());
      if (reason != null) {
        decisions.add(new PruneDecision(backup.backupId(), true, reason));
      } else {
        decisions.add(new PruneDecision(backup.backupId(), false,
            removedByRule.getOrDefault(backup.backupId(), "not selected by any rule")));
      }
    }
    return decisions;
  }
}
