package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Backup ids are UTC seconds: they sort like the backups and name directories, so their shape matters. */
class BackupIdsTest {
  @Test
  void idIsTheUtcSecondOfTheInstant() {
    assertThat(BackupIds.fromEpochMillis(0)).isEqualTo("19700101T000000Z");
    assertThat(BackupIds.fromEpochMillis(Instant.parse("2026-11-22T22:15:00.999Z").toEpochMilli()))
        .isEqualTo("20261122T221500Z");
  }

  @Test
  void idParsesBackToItsInstant() {
    assertThat(BackupIds.toInstant("20261122T221500Z")).isEqualTo(Instant.parse("2026-11-22T22:15:00Z"));
  }

  @Test
  void nextIsOneSecondLaterAcrossMinuteDayAndYearBoundaries() {
    assertThat(BackupIds.next("20261122T221500Z")).isEqualTo("20261122T221501Z");
    assertThat(BackupIds.next("20261122T221559Z")).isEqualTo("20261122T221600Z");
    assertThat(BackupIds.next("20261231T235959Z")).isEqualTo("20270101T000000Z");
  }

  @Test
  void idsSortLikeTheirInstants() {
    String earlier = BackupIds.fromEpochMillis(Instant.parse("2026-09-30T23:59:59Z").toEpochMilli());
    String later = BackupIds.fromEpochMillis(Instant.parse("2026-10-01T00:00:00Z").toEpochMilli());

    assertThat(earlier).isLessThan(later);
  }

  @Test
  void generatedIdsAreValid() {
    assertThat(BackupIds.isValid(BackupIds.fromEpochMillis(1_795_000_000_000L))).isTrue();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"2026/../x", "20261122T221500", "20261122T221500ZZ", "20261122 221500Z",
    "20261122T221500Z/..", "2026112T221500Z", "20261122T221500Z\n", "\u00002026122T221500Z"})
  void rejectsAnythingElse(String candidate) {
    assertThat(BackupIds.isValid(candidate)).isFalse();
  }
}
