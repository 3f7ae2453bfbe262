package dev.vmbackup.activities;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Heartbeats of the activity running on the current thread. */
final class Heartbeats {
  private Heartbeats() {}

  /**
   * Records progress; also the only point where a cancellation reaches an activity (it throws
   * {@code ActivityCanceledException}, which callers let through after cleaning up).
   */
  static void beat(Object details) {
    Activity.getExecutionContext().heartbeat(details);
  }

  /** The details of the last heartbeat of an earlier attempt, if any: where a retry resumes. */
  static <T> Optional<T> lastDetails(Class<T> type) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    return context.getHeartbeatDetails(type);
  }

  static int attempt() {
    return Activity.getExecutionContext().getInfo().getAttempt();
  }

  /**
   * Runs a call that blocks in libvirt for as long as it takes (a snapshot with a live memory save, a
   * save of the VM's state) while another thread heartbeats every few seconds. The server thus notices
   * a dead worker within the step's heartbeat timeout instead of its start-to-close timeout, and a
   * retry (idempotent, like every attempt) takes over. A cancellation cannot interrupt such a call; it
   * is seen at the next heartbeat of the activity's own thread.
   */
  static <T> T during(Supplier<T> call) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    ScheduledExecutorService beater = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "heartbeat-" + context.getInfo().getActivityType());
      thread.setDaemon(true);
      return thread;
    });
    beater.scheduleAtFixedRate(() -> {
      try {
        context.heartbeat(null);
      } catch (RuntimeException e) {
        // A cancellation or a lost connection: the call in progress cannot be stopped from here.
      }
    }, 0, 5, TimeUnit.SECONDS);
    try {
      return call.get();
    } finally {
      beater.shutdownNow();
    }
  }
}
