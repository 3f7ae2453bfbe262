package dev.vmbackup.host.repository;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The threads of one pipelined copy or checksum, and the first error any of them met.
 *
 * <p>The thread that creates it (the activity's own thread) stays the pipeline's owner: it is never
 * interrupted by the stages, because Temporal's heartbeats and cancellation live on it. It waits on
 * queues with a short timeout instead and checks for a failed stage each time, so a stage's error
 * reaches it within {@link #POLL_MILLIS}. {@link #close()} interrupts the stages and waits until every
 * one has ended, so no stage writes to a file after the copy has returned or thrown: a retry may start
 * on the same destination at once.
 */
final class Stages implements AutoCloseable {
  /** How long the owner blocks before it looks for a failed stage again. */
  static final long POLL_MILLIS = 20;

  /** The body of a stage; any exception it throws fails the whole pipeline. */
  @FunctionalInterface
  interface Stage {
    void run() throws Exception;
  }

  private final String name;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();

  Stages(String name) {
    this.name = name;
  }

  /** Starts a stage on its own thread. */
  void start(String stage, Stage body) {
    Thread thread = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) {
        fail(e);
      }
    }, "copy-" + stage + " " + name);
    thread.setDaemon(true);
    threads.add(thread);
    thread.start();
  }

  /** Records the first error and stops the other stages; later errors are usually its consequences. */
  private void fail(Throwable e) {
    if (failure.compareAndSet(null, e)) {
      Thread self = Thread.currentThread();
      for (Thread thread : threads) {
        if (thread != self) {
          thread.interrupt();
        }
      }
    }
  }

  /** Throws the first stage's error, as it was thrown, on the owner's thread. */
  void check() throws IOException {
    Throwable e = failure.get();
    if (e == null) {
      return;
    }
    if (e instanceof IOException io) {
      throw io;
    }
    if (e instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (e instanceof Error error) {
      throw error;
    }
    if (e instanceof InterruptedException) {
      throw new InterruptedIOException("a copy stage was interrupted");
    }
    throw new UncheckedIOException(new IOException("copy stage failed", e));
  }

  /** Takes the next element on the owner's thread, running {@code meanwhile} while it waits. */
  <T> T take(BlockingQueue<T> queue, IoAction meanwhile) throws IOException {
    while (true) {
      T next = queue.poll();
      if (next != null) {
        return next;
      }
      meanwhile.run();
      try {
        next = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("copy interrupted");
      }
      if (next != null) {
        return next;
      }
      check();
    }
  }

  /** Puts an element on the owner's thread, running {@code meanwhile} while the queue is full. */
  <T> void put(BlockingQueue<T> queue, T element, IoAction meanwhile) throws IOException {
    while (!queue.offer(element)) {
      meanwhile.run();
      try {
        if (queue.offer(element, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("copy interrupted");
      }
      check();
    }
  }

  /** Something the owner does while it waits, such as reporting progress. */
  @FunctionalInterface
  interface IoAction {
    IoAction NOTHING = () -> {};

    void run() throws IOException;
  }

  /** Stops every stage that still runs and waits for all of them, even if the owner is interrupted. */
  @Override
  public void close() {
    for (Thread thread : threads) {
      thread.interrupt();
    }
    boolean interrupted = false;
    for (Thread thread : threads) {
      while (thread.isAlive()) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
