package dev.vmbackup.host.repository;

import dev.vmbackup.host.repository.BlockReader.Block;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a file sparse-aware while computing its SHA-256: blocks of zeros are not written, so holes
 * stay holes (and zero blocks become holes). The copy is made durable at checkpoints, and a copy can
 * resume at a checkpoint after a crash.
 *
 * <p>A copy is a pipeline of bounded stages, so that reading, hashing and writing overlap: a reader
 * thread ({@link BlockReader}) that skips the source's holes where the filesystem can name them, the
 * calling thread, which hashes every block (holes as the zeros they read as), and a writer and a
 * syncer thread ({@link BlockWriter}): the writer skips blocks of zeros, and the syncer makes
 * checkpoints durable with fsyncs while the writer goes on. {@link Progress} is called on the calling thread, only with offsets that an fsync
 * has made durable, so that an activity's heartbeats and cancellation work as they did on one thread.
 * Errors of any stage are thrown on the calling thread as they were thrown, and no stage outlives the
 * call.
 */
public final class SparseCopier {
  private static final Logger LOG = LoggerFactory.getLogger(SparseCopier.class);

  /** Unit of reading, hashing and hole detection. */
  static final int BLOCK_SIZE = 1024 * 1024;
  /** Blocks in flight between the reader and the writer: the pipeline's memory and how far it runs ahead. */
  static final int BUFFERS = 8;
  /** Bytes copied between two fsyncs: the most a resumed copy has to redo. */
  static final long CHECKPOINT_INTERVAL = 64L * 1024 * 1024;
  /** Bytes hashed between two calls of a checksum's callback, so that an activity can heartbeat. */
  static final long TICK_INTERVAL = 8L * 1024 * 1024;

  /** Zeros for hashing holes: a digest takes an array without copying it. Never written. */
  private static final byte[] ZERO_BYTES = new byte[BLOCK_SIZE];

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
   * Calls {@code progress} on the calling thread after each durable checkpoint (and exceptions it
   * throws abort the copy). Interrupting the calling thread aborts the copy too.
   *
   * <p>{@link Copied#bytesWritten()} counts what this call wrote, not what an earlier attempt did. A
   * destination shorter than {@code resumeOffset} cannot be resumed; the copy then starts over.
   */
  public Copied copy(Path source, Path destination, long resumeOffset, Progress progress) throws IOException {
    if (resumeOffset < 0) {
      throw new IllegalArgumentException("resume offset " + resumeOffset + " is negative");
    }
    MessageDigest digest = newDigest();
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        RandomAccessFile file = new RandomAccessFile(destination.toFile(), "rw");
        FileChannel out = file.getChannel();
        NativeFiles.Handle sourceMap = NativeFiles.open(source)) {
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
      hash(out, destination, offset, digest, CHECKPOINT_INTERVAL, () -> progress.checkpoint(resumeAt));

      BlockReader reader = new BlockReader(in, source, sourceMap, BLOCK_SIZE, BUFFERS, bytesPerSecond);
      BlockWriter writer = new BlockWriter(file, size, CHECKPOINT_INTERVAL);
      BlockingQueue<Block> toHash = new ArrayBlockingQueue<>(BUFFERS);
      BlockingQueue<Block> toWrite = new ArrayBlockingQueue<>(BUFFERS);
      Checkpoints checkpoints = new Checkpoints(writer, size, progress);
      try (Stages stages = new Stages(source.getFileName().toString())) {
        stages.start("read", () -> reader.read(resumeAt, size, toHash));
        stages.start("write", () -> writer.write(resumeAt, toWrite, reader));
        stages.start("sync", writer::sync);
        while (true) {
          Block block = stages.take(toHash, checkpoints::report);
          if (block == Block.END) {
            stages.put(toWrite, block, checkpoints::report);
            break;
          }
          if (block.buffer == null) {
            digest.update(ZERO_BYTES, 0, block.length);
          } else {
            digest.update(block.buffer.duplicate());
          }
          stages.put(toWrite, block, checkpoints::report);
          checkpoints.report();
        }
        while (!checkpoints.finished()) {
          checkpoints.report(stages.take(writer.durable(), Stages.IoAction.NOTHING));
        }
      }
      return new Copied(size, writer.written(), HexFormat.of().formatHex(digest.digest()));
    }
  }

  /** Hands durable offsets to the caller's {@link Progress} on the calling thread, in order. */
  private static final class Checkpoints {
    private final BlockWriter writer;
    private final long size;
    private final Progress progress;
    private boolean finished;

    Checkpoints(BlockWriter writer, long size, Progress progress) {
      this.writer = writer;
      this.size = size;
      this.progress = progress;
    }

    /** Reports every offset that became durable since the last call. */
    void report() {
      Long offset;
      while (!finished && (offset = writer.durable().poll()) != null) {
        report(offset);
      }
    }

    void report(long offset) {
      progress.checkpoint(offset);
      writer.acknowledge();
      // Only the final checkpoint is at the size; the writer reports no other there.
      finished = offset == size;
    }

    boolean finished() {
      return finished;
    }
  }

  /** SHA-256 of a file's whole content, streamed. */
  public static String sha256(Path file) throws IOException {
    return sha256(file, () -> { });
  }

  /**
   * SHA-256 of a file's whole content, re-reading every byte: a reader thread reads ahead while the
   * calling thread hashes, and calls {@code betweenBlocks} every few MiB (so that an activity can
   * heartbeat; an exception it throws aborts the checksum).
   */
  public static String sha256(Path file, Runnable betweenBlocks) throws IOException {
    MessageDigest digest = newDigest();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      hash(in, file, in.size(), digest, TICK_INTERVAL, betweenBlocks);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * Feeds the first {@code length} bytes of the channel to the digest, every byte read (holes too),
   * calling {@code tick} every {@code tickInterval} bytes.
   */
  private static void hash(FileChannel channel, Path file, long length, MessageDigest digest, long tickInterval,
      Runnable tick) throws IOException {
    if (length == 0) {
      return;
    }
    BlockReader reader = new BlockReader(channel, file, NativeFiles.Handle.NONE, BLOCK_SIZE, BUFFERS, 0);
    BlockingQueue<Block> blocks = new ArrayBlockingQueue<>(BUFFERS);
    try (Stages stages = new Stages(file.getFileName().toString())) {
      stages.start("read", () -> reader.read(0, length, blocks));
      long sinceTick = 0;
      while (true) {
        Block block = stages.take(blocks, Stages.IoAction.NOTHING);
        if (block == Block.END) {
          return;
        }
        digest.update(block.buffer);
        reader.release(block);
        sinceTick += block.length;
        if (sinceTick >= tickInterval) {
          tick.run();
          sinceTick = 0;
        }
      }
    }
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
