package dev.vmbackup.workflows;

import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * The undo list of a workflow. Each compensation is registered before the step it undoes (so a step
 * that died half-way is undone too) and must cope with a step that never ran. They run in reverse
 * order inside a detached cancellation scope, so that a cancelled workflow still cleans up; a failing
 * compensation is logged and the others still run.
 */
final class Compensations {
  private static final Logger log = Workflow.getLogger(Compensations.class);

  private final Saga saga = new Saga(new Saga.Options.Builder().setContinueWithError(true).build());

  void add(Functions.Proc compensation) {
    saga.addCompensation(compensation);
  }

  /** Runs every registered compensation, newest first; never throws. */
  void run() {
    Workflow.newDetachedCancellationScope(
            () -> {
              try {
                saga.compensate();
              } catch (Saga.CompensationException | TemporalFailure e) {
                log.error("a compensation failed; the rest ran: {}", e.getMessage());
              }
            })
        .run();
  }
}
