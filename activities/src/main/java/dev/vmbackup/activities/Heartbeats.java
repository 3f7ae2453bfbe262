package dev.vmbackup.activities;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.util.Optional;

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
}
