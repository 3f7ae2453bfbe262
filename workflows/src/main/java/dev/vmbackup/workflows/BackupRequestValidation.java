package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Strategy;

/**
 * The one check of a {@link BackupRequest}: the command line runs it before it starts anything, and
 * {@code BackupWorkflow} runs it first, for requests from every other caller (the API, Schedules,
 * policies, other services). Both report its message as it is.
 */
public final class BackupRequestValidation {
  private BackupRequestValidation() {}

  /** Returns the request, or throws with a message that names the problem. */
  public static BackupRequest validate(BackupRequest request) {
    Validation.domainName("domain", request.domain());
    if (request.host() != null) {
      Validation.hostName(request.host());
    }
    if (request.repository() != null) {
      Validation.repository(request.repository());
    }
    if (request.maxChainLength() != null && request.maxChainLength() < 2) {
      // One overlay is the active one, the next is the one a backup adds on top of it.
      throw new IllegalArgumentException(
          "maxChainLength " + request.maxChainLength() + " is too small: a chain needs at least 2 overlays");
    }
    boolean usesCheckpoints =
        request.strategy() == Strategy.INCREMENTAL || request.strategy() == Strategy.DIFFERENTIAL;
    if (usesCheckpoints && request.capture() == CaptureMode.MEMORY) {
      throw new IllegalArgumentException("capture memory is not available with strategy " + request.strategy()
          + ": libvirt's backup API copies disks only; use quiesce or crash");
    }
    if (request.fullEvery() < 0) {
      throw new IllegalArgumentException("fullEvery must be 0 or more, not " + request.fullEvery());
    }
    return request;
  }
}
