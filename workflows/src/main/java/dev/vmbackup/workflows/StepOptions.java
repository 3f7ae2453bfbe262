package dev.vmbackup.workflows;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Timeouts and retries of the host actions, in three kinds.
 *
 * <p>Forward steps give up after a few attempts, so that a backup that cannot succeed is compensated
 * rather than retried forever, and give up waiting for a host worker after {@link #HOST_PICKUP}: a dead
 * host shows as a timeout. Steps that put the VM back on its own disks (merge and every compensation)
 * must finish: they retry without limit and wait for the host however long it is down, because the
 * VM is not in a clean state until they have run.
 */
final class StepOptions {
  /** How long a forward step waits for its host's worker to pick it up. */
  static final Duration HOST_PICKUP = Duration.ofMinutes(10);

  /** Every host step heartbeats at least this often; a killed or frozen worker is noticed after this. */
  static final Duration HEARTBEAT = Duration.ofSeconds(20);

  private StepOptions() {}

  /**
   * A forward step: lock, inspect, prepare, snapshot, the incremental decision, publish, hooks, restore's
   * smaller steps.
   * Every host activity heartbeats while it runs, whatever it does (the worker keeps it alive from a
   * side thread), so a worker that dies or freezes inside any step is noticed after {@link #HEARTBEAT}
   * and the step is retried, instead of waiting out the start-to-close timeout. That timeout only
   * bounds a call that hangs in a live worker (a stuck libvirtd); it is generous because a snapshot
   * with a live memory save, a memory restore or an operator's hook can legitimately take minutes.
   * Eight attempts leave room for a worker frozen for a minute, whose stale polls may take an attempt
   * or two before it thaws, on top of the ordinary transient errors.
   */
  static ActivityOptions forward(String queue) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(queue)
        .setScheduleToStartTimeout(HOST_PICKUP)
        .setStartToCloseTimeout(Duration.ofMinutes(15))
        .setHeartbeatTimeout(HEARTBEAT)
        .setRetryOptions(limitedRetries(8))
        .build();
  }

  /**
   * A copy or verification that heartbeats its progress and may run for hours. On cancellation the
   * workflow waits until the copy has stopped, so that compensations never delete files it still writes.
   */
  static ActivityOptions longRunning(String queue) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(queue)
        .setScheduleToStartTimeout(HOST_PICKUP)
        .setStartToCloseTimeout(Duration.ofHours(48))
        .setHeartbeatTimeout(HEARTBEAT)
        .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
        .setRetryOptions(limitedRetries(10))
        .build();
  }

  /**
   * A step that returns the VM to a clean state: merge, and every compensation. Retries without limit
   * and waits for the host; waits for a cancelled attempt to stop before anything else runs.
   */
  static ActivityOptions mustFinish(String queue) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(queue)
        .setStartToCloseTimeout(Duration.ofHours(24))
        .setHeartbeatTimeout(HEARTBEAT)
        .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setBackoffCoefficient(2)
                .setMaximumInterval(Duration.ofMinutes(1))
                .setDoNotRetry(FailureType.allNames())
                .build())
        .build();
  }

  /**
   * A fleet run's inventory of one host. A host whose worker does not take it within
   * {@code pickup} is down as far as this run is concerned: it is reported skipped and the rest of
   * the fleet goes on, instead of waiting {@link #HOST_PICKUP} for it. A schedule-to-start timeout is
   * never retried, and listing the domains is not retried either: the next scheduled run asks again.
   */
  static ActivityOptions inventory(String queue, Duration pickup) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(queue)
        .setScheduleToStartTimeout(pickup)
        .setStartToCloseTimeout(Duration.ofMinutes(2))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build();
  }

  static LocalActivityOptions local() {
    return LocalActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(10))
        .setRetryOptions(limitedRetries(3))
        .build();
  }

  private static RetryOptions limitedRetries(int attempts) {
    return RetryOptions.newBuilder()
        .setInitialInterval(Duration.ofSeconds(1))
        .setBackoffCoefficient(2)
        .setMaximumInterval(Duration.ofSeconds(30))
        .setMaximumAttempts(attempts)
        .setDoNotRetry(FailureType.allNames())
        .build();
  }
}
