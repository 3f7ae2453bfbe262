package dev.vmbackup.workflows;

import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/** How workflows end when something goes wrong. */
final class Failures {
  private static final Logger log = Workflow.getLogger(Failures.class);

  /** Type of the failure that wraps an unexpected exception of workflow code. */
  static final String INTERNAL = "INTERNAL_ERROR";

  private Failures() {}

  /**
   * The failure a workflow ends with. Temporal failures (an activity's, a cancellation) pass through.
   * Anything else is a bug in workflow code: by default Temporal would retry the workflow task forever,
   * holding the domain's lock with the VM possibly on overlays; the workflow has compensated already and
   * fails instead, so that an operator sees it at once.
   */
  static RuntimeException asWorkflowFailure(RuntimeException failure) {
    if (failure instanceof TemporalFailure) {
      return failure;
    }
    return ApplicationFailure.newNonRetryableFailureWithCause(
        "internal error in the workflow: " + failure, INTERNAL, failure);
  }

  /** Runs a step whose failure must not turn a success into a failure; logs it instead. */
  static void bestEffort(Functions.Proc step, String what) {
    try {
      step.apply();
    } catch (TemporalFailure e) {
      log.warn("could not {}: {}", what, e.getMessage());
    }
  }
}
