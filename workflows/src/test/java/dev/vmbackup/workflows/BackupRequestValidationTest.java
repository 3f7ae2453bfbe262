package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Strategy;
import org.junit.jupiter.api.Test;

/** The one check of a backup request, shared by the command line and the workflow. */
class BackupRequestValidationTest {
  @Test
  void aRequestWithDefaultsPasses() {
    BackupRequest request = new BackupRequest("vm1", "hv1", null, "offsite", Strategy.INCREMENTAL);
    assertThat(BackupRequestValidation.validate(request)).isSameAs(request);
  }

  @Test
  void eachRuleNamesItsProblem() {
    assertRefused(new BackupRequest("../vm", null, null, null, null), "domain '../vm' is not allowed");
    assertRefused(new BackupRequest("vm1", "hv 1", null, null, null), "host 'hv 1' is not allowed");
    assertRefused(new BackupRequest("vm1", null, null, "http://x/y", null), "is not a repository name");
    assertRefused(new BackupRequest("vm1", null, null, null, Strategy.CHAIN, 1, null, null, null),
        "maxChainLength 1 is too small");
    assertRefused(new BackupRequest("vm1", null, CaptureMode.MEMORY, null, Strategy.DIFFERENTIAL),
        "capture memory is not available with strategy differential");
    assertRefused(new BackupRequest("vm1", null, null, null, Strategy.FULL, null, null, -1, null),
        "fullEvery must be 0 or more, not -1");
  }

  @Test
  void memoryCaptureStaysAvailableToStrategiesThatSnapshot() {
    BackupRequest request = new BackupRequest("vm1", null, CaptureMode.MEMORY, null, Strategy.CHAIN);
    assertThat(BackupRequestValidation.validate(request)).isSameAs(request);
  }

  private static void assertRefused(BackupRequest request, String message) {
    assertThatThrownBy(() -> BackupRequestValidation.validate(request))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }
}
