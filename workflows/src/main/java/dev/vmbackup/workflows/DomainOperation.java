package dev.vmbackup.workflows;

import dev.vmbackup.workflows.model.LockRequest;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The skeleton of every workflow that changes a domain on its host (backup, restore, prune): take the
 * domain's lock, run the operation, undo what it did if it fails, release the lock. The lock's release
 * is the first compensation, registered before the lock is asked for, so that a lock taken by an
 * attempt that died is released too. Once the operation succeeded nothing may undo it, not even a lock
 * that cannot be released (a lock whose workflow has closed is taken over by the next run anyway).
 *
 * @param <T> the operation's result
 */
final class DomainOperation<T> {
  /** What a workflow does around the skeleton's steps: its status, its log and its metrics. */
  interface Listener<T> {
    /** The operation failed; its compensations have not run yet. */
    default void failing(RuntimeException failure) {}

    /** The operation failed and was undone. */
    default void failed(RuntimeException failure) {}

    /** The operation succeeded; the lock is still held. */
    default void succeeded(T result) {}
  }

  private final HostSteps steps;
  private final LockRequest lock;
  private final Consumer<String> step;

  /**
   * @param lock this run's lock on the domain the operation changes
   * @param step told each step as it begins, for the workflow's status query
   */
  DomainOperation(HostSteps steps, LockRequest lock, Consumer<String> step) {
    this.steps = steps;
    this.lock = lock;
    this.step = step;
  }

  /**
   * Runs {@code operation} under the lock. The operation registers the compensation of each of its
   * steps before the step, in the list it is given.
   *
   * @throws io.temporal.failure.TemporalFailure the operation's failure, once it has been undone
   */
  T run(Function<Compensations, T> operation, Listener<T> listener) {
    Compensations compensations = new Compensations();
    T result;
    try {
      step.accept("lock");
      compensations.add(() -> steps.undoLock.releaseDomainLock(lock));
      steps.lock.acquireDomainLock(lock);
      result = operation.apply(compensations);
    } catch (RuntimeException failure) {
      listener.failing(failure);
      step.accept("compensate");
      compensations.run();
      step.accept("failed");
      listener.failed(failure);
      throw Failures.asWorkflowFailure(failure);
    }
    listener.succeeded(result);
    step.accept("release");
    Failures.bestEffort(() -> steps.lock.releaseDomainLock(lock), "release the lock of " + lock.domain());
    step.accept("done");
    return result;
  }
}
