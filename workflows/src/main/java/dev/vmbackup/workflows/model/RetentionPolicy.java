package dev.vmbackup.workflows.model;

/**
 * Which backups to keep, in the style of Proxmox Backup Server and sanoid. Each rule keeps the newest
 * backup of each of its last N time buckets (hours, days, ISO weeks, months, years, in UTC); buckets a
 * previous rule already covers are skipped. Rules apply in the order of the fields. A backup that a kept
 * backup builds on (a chain layer, an incremental's parent) is kept too; protected backups are always
 * kept. With no rule at all, nothing is pruned.
 *
 * @param keepLast the N newest backups
 */
public record RetentionPolicy(
    Integer keepLast,
    Integer keepHourly,
    Integer keepDaily,
    Integer keepWeekly,
    Integer keepMonthly,
    Integer keepYearly) {

  /** True when at least one rule keeps something; without rules a prune must not delete anything. */
  public boolean hasRules() {
    for (Integer rule : new Integer[] {keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly}) {
      if (rule != null && rule > 0) {
        return true;
      }
    }
    return false;
  }
}
