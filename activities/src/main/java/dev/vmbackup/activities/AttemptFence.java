package dev.vmbackup.activities;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Lets only one attempt of a step write its files at a time.
 *
 * <p>Temporal starts the next attempt of a step when the last one stopped heartbeating, not when it
 * stopped running. A worker that is shutting down (SIGTERM: its heartbeats stop while its running steps
 * get a grace period), frozen, or cut off from the server can still be copying when the next attempt
 * starts on another worker process of the same host. Both would then write the same partial directory,
 * and the older one could go on writing after the newer one had verified and published the backup, and
 * after the merge had changed the image it reads: a backup reported good whose files no longer match
 * its manifest. {@code RollingUpgradeE2ETest} saw exactly that when the old build's worker got SIGTERM
 * during a copy.
 *
 * <p>The fence is an exclusive lock on a file in the directory the step writes. The kernel releases it
 * when the holding process ends, however it ends, so a later attempt waits exactly as long as an
 * earlier one still runs. Every attempt of a host step runs on that host (its task queue is the
 * host's), so one lock file covers them all. While it waits, the attempt heartbeats (through
 * {@link Heartbeats}, which repeat the earlier attempt's resume point) and sees a cancellation.
 */
final class AttemptFence implements AutoCloseable {
  private static final long RETRY_MILLIS = 500;

  private final FileChannel channel;
  private final FileLock lock;

  private AttemptFence(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Waits until no other attempt holds {@code lockFile}'s lock, then holds it until {@link #close}.
   * Heartbeats while it waits, so that the attempt stays alive and a cancellation reaches it.
   *
   * @throws java.nio.file.NoSuchFileException if the lock file's directory does not exist (for a
   *     partial directory: an earlier attempt may have published it)
   */
  static AttemptFence acquire(Path lockFile) throws IOException {
    return acquire(lockFile, () -> Heartbeats.beat(null));
  }

  /** As {@link #acquire(Path)}, running {@code whileWaiting} between tries instead of a heartbeat. */
  static AttemptFence acquire(Path lockFile, Runnable whileWaiting) throws IOException {
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      while (true) {
        FileLock lock = tryLock(channel);
        if (lock != null) {
          return new AttemptFence(channel, lock);
        }
        whileWaiting.run();
        Polling.pause(RETRY_MILLIS, "an earlier attempt to end");
      }
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException heldInThisProcess) {
      // An earlier attempt in this very worker still runs (the JVM refuses a second lock of its own).
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
