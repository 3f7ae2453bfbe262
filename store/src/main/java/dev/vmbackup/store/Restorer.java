package dev.vmbackup.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Restores an index to a raw image file. Chunks are fetched and checked in parallel; each is written only
 * after its envelope authenticated and its digest matched. The image is built under a temporary name
 * next to the target and renamed over it only when complete, so a restore that meets a corrupt or missing
 * chunk leaves no file behind, and an existing target is untouched until the new one is whole. Zero
 * chunks are never written: the file is extended with a hole over them.
 */
public final class Restorer {
  /** What a restore did. */
  public record Result(long size, long chunksWritten, long zeroChunks, long bytesFetched) {}

  private final Backend backend;
  private final Codec codec;
  private final ExecutorService pool;
  private final int window;

  Restorer(Backend backend, Codec codec, ExecutorService pool, int window) {
    this.backend = backend;
    this.codec = codec;
    this.pool = pool;
    this.window = window;
  }

  Result restore(DiskIndex index, Path target) {
    Path temp = target.resolveSibling(target.getFileName() + ".partial");
    AtomicLong written = new AtomicLong();
    AtomicLong fetched = new AtomicLong();
    long zero = 0;
    try {
      Files.deleteIfExists(temp);
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        Semaphore inFlight = new Semaphore(window);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < index.count() && failure.get() == null; i++) {
          Progress.tick();
          if (index.isZero(i)) {
            zero++;
            continue;
          }
          byte[] digest = index.digest(i);
          int length = index.length(i);
          long offset = (long) i * index.chunkSize();
          inFlight.acquireUninterruptibly();
          pool.execute(() -> {
            try {
              if (failure.get() == null) {
                byte[] data = fetch(digest, length, fetched);
                ByteBuffer buffer = ByteBuffer.wrap(data);
                long position = offset;
                while (buffer.hasRemaining()) {
                  position += out.write(buffer, position);
                }
                written.incrementAndGet();
              }
            } catch (Throwable t) {
              failure.compareAndSet(null, t);
            } finally {
              inFlight.release();
            }
          });
        }
        inFlight.acquireUninterruptibly(window);
        rethrow(failure.get());
        // Setting the length last leaves trailing zero chunks as a hole.
        if (index.size() > 0 && out.size() < index.size()) {
          out.write(ByteBuffer.allocate(1), index.size() - 1);
        }
        out.force(true);
      }
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Result(index.size(), written.get(), zero, fetched.get());
    } catch (IOException e) {
      deleteQuietly(temp);
      throw new BackendException("cannot write the restored image " + target + ": " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      deleteQuietly(temp);
      throw e;
    }
  }

  /** Fetches, opens and checks one chunk. */
  byte[] fetch(byte[] digest, int length, AtomicLong fetched) {
    String key = Codec.chunkKey(digest);
    byte[] sealed = backend.get(key).orElseThrow(() -> new MissingObjectException(key));
    fetched.addAndGet(sealed.length);
    byte[] data = codec.open(key, sealed);
    if (data.length != length) {
      throw new CorruptChunkException(key, "holds " + data.length + " bytes, the index expects " + length);
    }
    byte[] actual = codec.digest(data, data.length);
    if (!Arrays.equals(actual, digest)) {
      throw new CorruptChunkException(key, "content digest is " + HexFormat.of().formatHex(actual));
    }
    return data;
  }

  private static void rethrow(Throwable t) {
    if (t instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (t instanceof Error error) {
      throw error;
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // The restore already failed; a leftover .partial file is named so that nobody takes it for an image.
    }
  }
}
