package dev.vmbackup.activities;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Heartbeats of the activity running on the current thread.
 *
 * <p>Every activity is kept alive by a side thread while it runs ({@link #keepingAlive}, started by
 * {@link ActivityBoundary}): the server then notices a dead or frozen worker within the step's heartbeat
 * timeout, whatever the step was doing, instead of after its start-to-close timeout. A worker that is
 * frozen (SIGSTOP) stops its side thread too, so it is noticed like a dead one. An activity that calls a
 * blocking libvirt function, runs a hook or plans an incremental backup thus needs no heartbeats of its
 * own; those that record progress ({@link #beat}) still do, and the side thread repeats their latest
 * details, so that the resume point of a retry is never replaced by an empty heartbeat.
 */
final class Heartbeats {
  /** How often the side thread looks whether the activity has been silent long enough to need a beat. */
  private static final long CHECK_MILLIS = 1000;

  /**
   * How long the side thread stands in for an activity that reports nothing itself. Past that, the call
   * it waits in is presumed hung (a libvirt or guest-agent call that never returns) and the side thread
   * falls silent, so the server's heartbeat timeout retries the step. Ten minutes exceed any single call
   * vmbackup makes on a healthy host, a live memory save included; long copies report progress far
   * more often.
   */
  private static final long SILENCE_BUDGET_MILLIS = TimeUnit.MINUTES.toMillis(10);

  private static final ThreadLocal<KeepAlive> CURRENT = new ThreadLocal<>();

  private Heartbeats() {}

  /**
   * Records progress; also the only point where a cancellation reaches an activity (it throws
   * {@code ActivityCanceledException}, which callers let through after cleaning up). Null details
   * record no new progress: the latest details are sent again.
   */
  static void beat(Object details) {
    KeepAlive keepAlive = CURRENT.get();
    Object sent = keepAlive == null ? details : keepAlive.record(details);
    Activity.getExecutionContext().heartbeat(sent);
  }

  /**
   * The details of the last heartbeat of an earlier attempt, if any: where a retry resumes. They stay
   * the details this attempt's side thread sends until the attempt records progress of its own, so
   * that an attempt that dies early leaves the same resume point behind.
   */
  static <T> Optional<T> lastDetails(Class<T> type) {
    Optional<T> details = Activity.getExecutionContext().getHeartbeatDetails(type);
    KeepAlive keepAlive = CURRENT.get();
    if (keepAlive != null) {
      details.ifPresent(keepAlive::record);
    }
    return details;
  }

  static int attempt() {
    return Activity.getExecutionContext().getInfo().getAttempt();
  }

  /**
   * Runs an activity's body while a side thread heartbeats, whenever the body has been silent for half
   * the heartbeat timeout, with the latest details the body recorded. Outside an activity (a command line check that shares host code), and inside an
   * activity already kept alive, it just runs the body. A cancellation cannot interrupt the body from
   * the side thread; the body sees it at its own next {@link #beat}.
   */
  static <T> T keepingAlive(Supplier<T> body) {
    if (CURRENT.get() != null) {
      return body.get();
    }
    ActivityExecutionContext context;
    try {
      context = Activity.getExecutionContext();
    } catch (IllegalStateException notAnActivity) {
      return body.get();
    }
    KeepAlive keepAlive = new KeepAlive(context);
    CURRENT.set(keepAlive);
    try {
      String type = context.getInfo().getActivityType();
      Failpoints.before(type);
      T result = body.get();
      Failpoints.after(type, context.getInfo().getAttempt());
      return result;
    } finally {
      CURRENT.remove();
      keepAlive.stop();
    }
  }

  /**
   * The side thread of one activity execution and the latest details it repeats. It beats only after
   * half the heartbeat timeout without any beat: the SDK sends at most one heartbeat per 0.8 × the
   * timeout and holds back later ones until then, so a side-thread beat while the activity is about to
   * report its first progress would delay that progress by most of a timeout. A step without a
   * heartbeat timeout (a local activity) gets no side thread at all.
   */
  private static final class KeepAlive {
    private final AtomicReference<Object> latest = new AtomicReference<>();
    private final ScheduledExecutorService beater;
    private volatile long lastOwnBeat = System.currentTimeMillis();
    private volatile long lastBeat = lastOwnBeat;

    KeepAlive(ActivityExecutionContext context) {
      long quietMillis = context.getInfo().getHeartbeatTimeout().toMillis() / 2;
      if (quietMillis <= 0) {
        beater = null;
        return;
      }
      beater = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "heartbeat-" + context.getInfo().getActivityType());
        thread.setDaemon(true);
        return thread;
      });
      beater.scheduleWithFixedDelay(() -> {
        long now = System.currentTimeMillis();
        if (now - lastBeat < quietMillis || now - lastOwnBeat > SILENCE_BUDGET_MILLIS) {
          return;
        }
        lastBeat = now;
        try {
          context.heartbeat(latest.get());
        } catch (RuntimeException e) {
          // A cancellation, a timed-out attempt or a lost connection: the activity's own thread sees
          // it at its next beat, and nothing on this thread can stop the call in progress.
        }
      }, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    Object record(Object details) {
      lastOwnBeat = System.currentTimeMillis();
      lastBeat = lastOwnBeat;
      if (details != null) {
        latest.set(details);
      }
      return latest.get();
    }

    void stop() {
      if (beater != null) {
        beater.shutdownNow();
      }
    }
  }
}
