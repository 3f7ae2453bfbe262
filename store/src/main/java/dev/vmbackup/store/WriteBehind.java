package dev.vmbackup.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local backend's last stage for chunks: forces each chunk's temporary file to disk and only then
 * renames it to its key, on threads of its own, while the writer's threads go on hashing and compressing
 * the next chunks.
 *
 * <p>Two reasons. Forcing used to wait for {@link Backend#flush()}, after the last chunk: the disk idled
 * during the CPU-bound part of an ingest and the CPU idled while a gigabyte was written out (0.6–0.8 s per
 * GiB here). And a chunk renamed to its key before its data was on disk could, after a power loss, be
 * found under its key empty or short (ext4 allocates blocks at writeback, so a new name can reach the
 * disk before the data); the next backup would find the key, skip the chunk and reference bad bytes. In
 * this order a key always names complete, durable bytes, and only the rename's directory entry is left
 * for {@code flush()} to force.
 *
 * <p>A chunk handed over is not yet visible under its key; the backend waits for it ({@link #settle})
 * before it answers any question about that key, so callers still read their own writes. The hand-over
 * blocks while {@value #MAX_PENDING} chunks are waiting, so a disk slower than the CPU slows the writer
 * instead of piling up work. Several threads force at once so that a journalling filesystem commits them
 * in groups rather than one commit per chunk.
 */
final class WriteBehind {
  /** Forcing threads: mostly waiting for the disk, and as many as the old flush used for group commits. */
  static final int THREADS = 16;
  /** Chunks on their way at most: 32 MiB of page cache at 256 KiB, a few seconds of disk at worst. */
  static final int MAX_PENDING = 128;

  /** A chunk whose forcing or rename failed; the failure surfaces at the next flush. */
  record Failure(Path target, IOException cause) {}

  private final Map<Path, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
  private final Set<Path> dirtyDirectories = ConcurrentHashMap.newKeySet();
  private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
  private final Semaphore room = new Semaphore(MAX_PENDING);
  private final ThreadPoolExecutor threads;
  private final AtomicLong stalledNanos = new AtomicLong();

  WriteBehind(String name) {
    AtomicInteger counter = new AtomicInteger();
    // Core threads time out, so that a backend nobody closes holds no idle threads.
    this.threads = new ThreadPoolExecutor(THREADS, THREADS, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        runnable -> {
          Thread thread = new Thread(runnable, name + "-" + counter.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    threads.allowCoreThreadTimeOut(true);
  }

  /**
   * Takes over {@code temp}, complete but not forced, to be forced and renamed to {@code target}. Returns
   * false, leaving {@code temp} to the caller, when a chunk for {@code target} is already on its way or
   * already there.
   */
  boolean submit(Path temp, Path target) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (pending.putIfAbsent(target, done) != null) {
      return false;
    }
    if (Files.exists(target)) {
      // Another writer of this process renamed the same chunk between the caller's look and now (it stops
      // being pending only after its rename): only one put of a chunk reports that it stored it.
      pending.remove(target, done);
      done.complete(null);
      return false;
    }
    if (!room.tryAcquire()) {
      long start = System.nanoTime();
      room.acquireUninterruptibly();
      stalledNanos.addAndGet(System.nanoTime() - start);
    }
    Runnable task = () -> finish(temp, target, done);
    try {
      threads.execute(task);
    } catch (RejectedExecutionException closed) {
      // Closed: the caller's thread does the work, so that a put after close is still a complete put.
      task.run();
    }
    return true;
  }

  private void finish(Path temp, Path target, CompletableFuture<Void> done) {
    try {
      force(temp, StandardOpenOption.WRITE);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      // Added before the chunk stops being pending, so that a flush that no longer sees it pending sees
      // its directory.
      dirtyDirectories.add(target.getParent());
      settled(target, done);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // A leftover temporary file is never listed and the garbage collector removes it.
      }
      failures.add(new Failure(target, e instanceof IOException io ? io : new IOException(e)));
      settled(target, done);
    } finally {
      room.release();
    }
  }

  /**
   * The chunk stops being pending before its waiters wake: whoever waited for it ({@link #settle},
   * {@link #settleAll}) then never sees it pending any more, renamed or failed.
   */
  private void settled(Path target, CompletableFuture<Void> done) {
    pending.remove(target, done);
    done.complete(null);
  }

  /** Nanoseconds writers spent waiting for room, that is for the disk (for benchmarks). */
  long stalledNanos() {
    return stalledNanos.get();
  }

  /** Whether a chunk for {@code target} is on its way. */
  boolean isPending(Path target) {
    return pending.containsKey(target);
  }

  /** Waits until a chunk for {@code target}, if one is on its way, is renamed to it or has failed. */
  void settle(Path target) {
    CompletableFuture<Void> done = pending.get(target);
    if (done != null) {
      done.join();
    }
  }

  /** Waits for every chunk handed over before this call. */
  void settleAll() {
    for (CompletableFuture<Void> done : new ArrayList<>(pending.values())) {
      done.join();
    }
  }

  /** Failures since the last call, in no particular order. */
  List<Failure> takeFailures() {
    List<Failure> taken = new ArrayList<>();
    for (Failure failure = failures.poll(); failure != null; failure = failures.poll()) {
      taken.add(failure);
    }
    return taken;
  }

  /** Records a directory that gained an entry (a linked object) and must be forced at the next flush. */
  void dirty(Path directory) {
    dirtyDirectories.add(directory);
  }

  /** The directories that gained entries since the last call. */
  List<Path> takeDirtyDirectories() {
    List<Path> taken = new ArrayList<>();
    for (Path directory : dirtyDirectories) {
      // Removed before it is forced: an entry added after the removal puts it back for the next flush.
      if (dirtyDirectories.remove(directory)) {
        taken.add(directory);
      }
    }
    return taken;
  }

  /** Finishes the chunks on their way and stops the threads. */
  void close() {
    settleAll();
    threads.shutdown();
  }

  /** Forces a file ({@code WRITE}) or a directory ({@code READ}) to disk. */
  static void force(Path path, StandardOpenOption mode) throws IOException {
    try (FileChannel channel = FileChannel.open(path, mode)) {
      channel.force(true);
    }
  }
}
