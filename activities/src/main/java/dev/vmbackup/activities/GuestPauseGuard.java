package dev.vmbackup.activities;

import dev.vmbackup.host.hypervisor.Hypervisor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a domain while a push-mode backup job writes its targets. QEMU copies a block to the target
 * before a guest write may overwrite it (copy-before-write); when the target cannot be written (the
 * repository is full or failing), QEMU fails the guest's own write and pauses the guest with an I/O
 * error, and a guest-agent call such as the thaw right after the job's start then blocks for as long as
 * the guest stays paused. The guard aborts the backup job, which removes the copy-before-write filter,
 * and resumes the guest, whose write then goes to its own disk: the VM never stays paused because of a
 * backup. {@link #rescued()} tells the activity to fail the backup rather than trust its targets.
 */
final class GuestPauseGuard implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GuestPauseGuard.class);
  private static final long CHECK_MILLIS = 1000;

  private final Hypervisor hypervisor;
  private final String domain;
  private final Runnable abortJob;
  private final AtomicBoolean rescued = new AtomicBoolean();
  private final ScheduledExecutorService watcher;

  /**
   * @param abortJob aborts this backup's job if it still runs (and leaves anybody else's alone)
   */
  GuestPauseGuard(Hypervisor hypervisor, String domain, Runnable abortJob) {
    this.hypervisor = hypervisor;
    this.domain = domain;
    this.abortJob = abortJob;
    watcher = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "guest-pause-guard-" + domain);
      thread.setDaemon(true);
      return thread;
    });
    watcher.scheduleWithFixedDelay(this::check, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Whether the guard found the guest paused by a failed write, aborted the job and resumed it. */
  boolean rescued() {
    return rescued.get();
  }

  /** Resumes the guest if a failed write paused it; for compensations, which run without a guard. */
  static boolean resumeIfPausedByIoError(Hypervisor hypervisor, String domain) {
    if (!hypervisor.pausedByIoError(domain)) {
      return false;
    }
    log.warn("{} is paused by a failed write (a backup target that could not be written); resuming it", domain);
    hypervisor.resume(domain);
    return true;
  }

  private void check() {
    try {
      if (hypervisor.pausedByIoError(domain)) {
        log.warn("{} was paused by a failed write during its backup job: aborting the job", domain);
        abortJob.run();
        rescued.set(resumeIfPausedByIoError(hypervisor, domain) || rescued.get());
      }
    } catch (RuntimeException e) {
      // libvirtd restarting, or the domain gone: the activity's own thread sees and classifies that.
      log.info("could not check whether {} is paused: {}", domain, e.getMessage());
    }
  }

  @Override
  public void close() {
    watcher.shutdownNow();
  }
}
