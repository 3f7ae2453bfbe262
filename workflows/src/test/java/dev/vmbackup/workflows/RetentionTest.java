package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.workflows.model.BackupSummary;
import dev.vmbackup.workflows.model.PruneDecision;
import dev.vmbackup.workflows.model.RetentionPolicy;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Retention decisions: the Proxmox Backup Server selection, plus chains and protection. */
class RetentionTest {
  private static BackupSummary backup(String id) {
    return new BackupSummary(id, null, false, null);
  }

  private static BackupSummary child(String id, String parent) {
    return new BackupSummary(id, parent, false, null);
  }

  private static RetentionPolicy last(int n) {
    return new RetentionPolicy(n, null, null, null, null, null);
  }

  private static Map<String, Boolean> kept(List<PruneDecision> decisions) {
    return decisions.stream().collect(Collectors.toMap(PruneDecision::backupId, PruneDecision::keep));
  }

  @Test
  void keepLastKeepsTheNewestAndReportsNewestFirst() {
    List<PruneDecision> decisions = Retention.decide(
        List.of(backup("20261120T000000Z"), backup("20261122T000000Z"), backup("20261121T000000Z")), last(2));

    assertThat(decisions).extracting(PruneDecision::backupId)
        .containsExactly("20261122T000000Z", "20261121T000000Z", "20261120T000000Z");
    assertThat(decisions).extracting(PruneDecision::keep).containsExactly(true, true, false);
    assertThat(decisions.get(2).reason()).isEqualTo("not selected by any rule");
  }

  @Test
  void keepDailyKeepsTheNewestBackupOfEachDay() {
    List<PruneDecision> decisions = Retention.decide(List.of(
            backup("20261120T080000Z"), backup("20261120T200000Z"),
            backup("20261121T080000Z"), backup("20261121T200000Z"),
            backup("20261122T080000Z")),
        new RetentionPolicy(null, null, 2, null, null, null));

    assertThat(kept(decisions)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "20261122T080000Z", true,
        "20261121T200000Z", true,
        "20261121T080000Z", false,
        "20261120T200000Z", false,
        "20261120T080000Z", false));
    assertThat(decisions.get(0).reason()).isEqualTo("keep-daily 2026-11-22");
  }

  @Test
  void aLaterRuleSkipsBucketsAnEarlierRuleCovers() {
    // keep-last 1 keeps the 22nd; keep-daily 2 then takes the 21st and the 20th, not the 22nd again.
    List<PruneDecision> decisions = Retention.decide(List.of(
            backup("20261120T080000Z"), backup("20261121T080000Z"), backup("20261122T080000Z"),
            backup("20261119T080000Z")),
        new RetentionPolicy(1, null, 2, null, null, null));

    assertThat(kept(decisions)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "20261122T080000Z", true, "20261121T080000Z", true, "20261120T080000Z", true,
        "20261119T080000Z", false));
  }

  @Test
  void weeksAreIsoWeeksAcrossTheYearBoundary() {
    // 2026-12-31 (Thu) and 2027-01-02 (Sat) are both in ISO week 2026-W53.
    List<PruneDecision> decisions = Retention.decide(List.of(
            backup("20261231T120000Z"), backup("20270102T120000Z"), backup("20261224T120000Z")),
        new RetentionPolicy(null, null, null, 2, null, null));

    assertThat(kept(decisions)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "20270102T120000Z", true, "20261231T120000Z", false, "20261224T120000Z", true));
    assertThat(decisions.get(0).reason()).isEqualTo("keep-weekly 2026-W53");
  }

  @Test
  void protectedBackupsAreKeptAndDoNotCount() {
    List<PruneDecision> decisions = Retention.decide(List.of(
            backup("20261120T000000Z"), new BackupSummary("20261122T000000Z", null, true, null),
            backup("20261121T000000Z")),
        last(1));

    assertThat(kept(decisions)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "20261122T000000Z", true, "20261121T000000Z", true, "20261120T000000Z", false));
    assertThat(decisions.get(0).reason()).isEqualTo("protected");
  }

  @Test
  void everythingAKeptBackupBuildsOnIsKept() {
    List<PruneDecision> decisions = Retention.decide(List.of(
            backup("20261119T000000Z"),
            backup("20261120T000000Z"),
            child("20261121T000000Z", "20261120T000000Z"),
            child("20261122T000000Z", "20261121T000000Z")),
        last(1));

    assertThat(kept(decisions)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "20261122T000000Z", true, "20261121T000000Z", true, "20261120T000000Z", true,
        "20261119T000000Z", false));
    assertThat(decisions).filteredOn(d -> d.backupId().equals("20261120T000000Z"))
        .extracting(PruneDecision::reason).containsExactly("needed by 20261121T000000Z");
  }

  @Test
  void withoutRulesNothingIsPruned() {
    List<PruneDecision> decisions = Retention.decide(
        List.of(backup("20261120T000000Z"), backup("20261121T000000Z")),
        new RetentionPolicy(null, 0, null, null, null, null));

    assertThat(decisions).allMatch(PruneDecision::keep);
  }
}
