package dev.vmbackup.host.repository;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a file sparse-aware while computing its SHA-256: blocks of zeros are not written, so holes
 * stay holes (and zero blocks become holes). The copy is made durable at checkpoints, and a copy can
 * resume at a checkpoint after a crash.
 */
public final class SparseCopier {
  private static final Logger LOG = LoggerFactory.getLogger(SparseCopier.class);

  /** Unit of reading, hashing and hole detection. */
  static final int BLOCK_SIZE = 1024 * 1024;
  /** Bytes copied between two fsyncs: the most a resumed copy has to redo. */
  static final long CHECKPOINT_INTERVAL = 64L * 1024 * 1024;

  /** A block of zeros to compare against; never written, so one buffer serves every thread. */
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(BLOCK_SIZE).asReadOnlyBuffer();

  /** Told after each checkpoint: everything before {@code offset} is durable in the destination. */
  @FunctionalInterface
  public interface Progress {
    void checkpoint(long offset);
  }

  /**
   * @param bytes logical size of the copy
   * @param bytesWritten bytes of data actually written (holes excluded)
   * @param sha256 lowercase hex SHA-256 of the whole logical content
   */
  public record Copied(long bytes, long bytesWritten, String sha256) {}

  public static final Progress NO_PROGRESS = offset -> {};

  private final long bytesPerSecond;

  /** A copier without a bandwidth limit. */
  public SparseCopier() {
    this(0);
  }

  /**
   * @param bytesPerSecond how fast to read the source at most, so that a backup leaves the VMs' own
   *     storage traffic room; 0 for no limit
   */
  public SparseCopier(long bytesPerSecond) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("bandwidth limit " + bytesPerSecond + " is negative");
    }
    this.bytesPerSecond = bytesPerSecond;
  }

  /**
   * Copies {@code source} to {@code destination}. With {@code resumeOffset > 0} the destination must
   * already hold the first {@code resumeOffset} bytes from an earlier attempt: they are re-read to
   * rebuild the checksum, not copied again. The destination ends with the source's exact length.
   * Calls {@code progress} after each durable checkpoint (and exceptions it throws abort the copy).
   *
   * <p>{@link Copied#bytesWritten()} counts what this call wrote, not what an earlier attempt did. A
   * destination shorter than {@code resumeOffset} cannot be resumed; the copy then starts over.
   */
  public Copied copy(Path source, Path destination, long resumeOffset, Progress progress) throws IOException {
    if (resumeOffset < 0) {
      throw new IllegalArgumentException("resume offset " + resumeOffset + " is negative");
    }
    MessageDigest digest = newDigest();
    ByteBuffer buffer = ByteBuffer.allocateDirect(BLOCK_SIZE);
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        RandomAccessFile file = new RandomAccessFile(destination.toFile(), "rw");
        FileChannel out = file.getChannel()) {
      long size = in.size();
      if (resumeOffset > size) {
        throw new IOException(
            "cannot resume copying " + source + " at " + resumeOffset + ": it has only " + size + " bytes");
      }
      long offset = resumeOffset;
      if (offset > out.size()) {
        LOG.warn("{} has {} bytes, fewer than the resume offset {}; copying {} from the start",
            destination, out.size(), offset, source);
        offset = 0;
      }
      // Zero blocks are skipped rather than written, so whatever the destination holds past the
      // resume point (an earlier attempt's unsynced tail, or an unrelated old file) must go: cutting
      // the file there turns all of it into a hole, which reads as the zeros that were skipped.
      file.setLength(offset);
      // Re-reading a long prefix takes a while: report the resume point meanwhile, so that the
      // activity keeps heartbeating and a crash now resumes from the same place.
      long resumeAt = offset;
      hash(out, offset, digest, buffer, () -> progress.checkpoint(resumeAt));

      long written = 0;
      long lastCheckpoint = offset;
      long started = System.nanoTime();
      long copiedHere = 0;
      while (offset < size) {
        buffer.clear().limit((int) Math.min(BLOCK_SIZE, size - offset));
        readFully(in, buffer, offset, source);
        buffer.flip();
        digest.update(buffer.duplicate());
        int length = buffer.remaining();
        if (!isZero(buffer)) {
          writeFully(out, buffer, offset);
          written += length;
        }
        offset += length;
        copiedHere += length;
        throttle(started, copiedHere);
        if (offset - lastCheckpoint >= CHECKPOINT_INTERVAL) {
          // Skipped zero blocks leave the file shorter than what it now holds; a resume from this
          // checkpoint needs it at least this long, or it would find it too short and start over.
          if (file.length() < offset) {
            file.setLength(offset);
          }
          out.force(false);
          lastCheckpoint = offset;
          progress.checkpoint(offset);
        }
      }
      // Extending with setLength writes nothing, so a trailing run of zero blocks stays a hole.
      file.setLength(size);
      out.force(false);
      progress.checkpoint(size);
      return new Copied(size, written, HexFormat.of().formatHex(digest.digest()));
    }
  }

  /** Sleeps as long as the copy is ahead of its bandwidth limit. */
  private void throttle(long startedNanos, long bytes) throws IOException {
    if (bytesPerSecond == 0) {
      return;
    }
    long dueNanos = startedNanos + bytes * 1_000_000_000L / bytesPerSecond;
    long wait = dueNanos - System.nanoTime();
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("copy interrupted");
      }
    }
  }

  /** SHA-256 of a file's whole content, streamed. */
  public static String sha256(Path file) throws IOException {
    MessageDigest digest = newDigest();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      hash(in, in.size(), digest, ByteBuffer.allocateDirect(BLOCK_SIZE), () -> { });
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Feeds the first {@code length} bytes of the channel to the digest, calling {@code tick} every checkpoint interval. */
  private static void hash(FileChannel channel, long length, MessageDigest digest, ByteBuffer buffer, Runnable tick)
      throws IOException {
    long position = 0;
    long sinceTick = 0;
    while (position < length) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), length - position));
      int n = channel.read(buffer, position);
      if (n < 0) {
        throw new IOException("file ended at " + position + " while " + length + " bytes were expected");
      }
      buffer.flip();
      digest.update(buffer);
      position += n;
      sinceTick += n;
      if (sinceTick >= CHECKPOINT_INTERVAL) {
        tick.run();
        sinceTick = 0;
      }
    }
  }

  private static void readFully(FileChannel in, ByteBuffer buffer, long position, Path source)
      throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = in.read(buffer, at);
      if (n < 0) {
        throw new IOException(source + " shrank while it was copied: it ended at " + at);
      }
      at += n;
    }
  }

  private static void writeFully(FileChannel out, ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      at += out.write(buffer, at);
    }
  }

  /** Compares with a block of zeros; {@link ByteBuffer#mismatch} does so many bytes at a time. */
  private static boolean isZero(ByteBuffer block) {
    return block.mismatch(ZEROS.slice(0, block.remaining())) < 0;
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
