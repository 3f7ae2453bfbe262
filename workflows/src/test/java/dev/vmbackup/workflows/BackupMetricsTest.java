package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.failure.ApplicationFailure;
import org.junit.jupiter.api.Test;

/** The failure type a failed backup is counted under ({@code vmbackup_backups_failed_total{type}}). */
class BackupMetricsTest {
  @Test
  void aFailureIsCountedUnderTheTypeTheActivityBoundaryGaveIt() {
    // As a workflow sees an activity's failure: the classified failure, with the Java exception it was
    // classified from below it, which Temporal carries as an application failure typed by class name.
    RuntimeException fromActivity = new RuntimeException("activity failed",
        ApplicationFailure.newNonRetryableFailureWithCause("domain vm1 not found", FailureType.DOMAIN_NOT_FOUND.name(),
            ApplicationFailure.newFailure("domain vm1 not found", "dev.vmbackup.activities.HostFailure")));

    assertThat(BackupMetrics.type(fromActivity)).isEqualTo("DOMAIN_NOT_FOUND");
    assertThat(BackupMetrics.type(ApplicationFailure.newNonRetryableFailure("stopped", "DOMAIN_STATE")))
        .isEqualTo("DOMAIN_STATE");
    assertThat(BackupMetrics.type(new IllegalStateException("a bug"))).isEqualTo("IllegalStateException");
  }
}
