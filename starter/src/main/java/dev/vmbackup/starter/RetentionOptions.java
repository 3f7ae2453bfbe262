package dev.vmbackup.starter;

import dev.vmbackup.workflows.model.RetentionPolicy;
import picocli.CommandLine.Option;

/** Retention rules on the command line, as in Proxmox Backup Server and sanoid. */
public class RetentionOptions {
  @Option(names = "--keep-last", paramLabel = "N", description = "Keep the N newest backups.")
  Integer keepLast;

  @Option(names = "--keep-hourly", paramLabel = "N", description = "Keep the newest backup of each of the last N hours.")
  Integer keepHourly;

  @Option(names = "--keep-daily", paramLabel = "N", description = "... of each of the last N days (UTC).")
  Integer keepDaily;

  @Option(names = "--keep-weekly", paramLabel = "N", description = "... of each of the last N ISO weeks.")
  Integer keepWeekly;

  @Option(names = "--keep-monthly", paramLabel = "N", description = "... of each of the last N months.")
  Integer keepMonthly;

  @Option(names = "--keep-yearly", paramLabel = "N", description = "... of each of the last N years.")
  Integer keepYearly;

  RetentionPolicy policy() {
    return new RetentionPolicy(keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly);
  }
}
