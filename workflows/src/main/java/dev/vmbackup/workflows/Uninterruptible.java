package dev.vmbackup.workflows;

import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.util.function.Supplier;

/**
 * Steps that a cancellation must not interrupt once they have begun (block commits and pulls, a
 * saved-state capture that stops and restores the VM): the quickest way back to a clean VM is to
 * finish them. They run detached from the workflow's cancellation, and a cancellation that arrived
 * meanwhile is honoured right after, with the step done.
 */
final class Uninterruptible {
  private Uninterruptible() {}

  /** Runs the step to its end, then rethrows a cancellation that arrived during it. */
  static void run(Runnable step) {
    Workflow.newDetachedCancellationScope(step).run();
    CancellationScope.throwCanceled();
  }

  /** As {@link #run}, for a step with a result. */
  static <T> T call(Supplier<T> step) {
    Object[] result = new Object[1];
    Workflow.newDetachedCancellationScope(() -> result[0] = step.get()).run();
    CancellationScope.throwCanceled();
    @SuppressWarnings("unchecked")
    T typed = (T) result[0];
    return typed;
  }
}
