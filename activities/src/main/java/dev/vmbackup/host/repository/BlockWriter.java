package dev.vmbackup.host.repository;

import dev.vmbackup.host.repository.BlockReader.Block;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last two stages of a pipelined copy: a writer that writes the blocks that are not all zeros
 * (so holes stay holes; the test is here rather than beside the hashing, which is the slowest
 * stage), and a syncer that makes the destination durable at checkpoints with fsyncs
 * of its own, so that the writer never waits for the disk. The syncer's fsyncs also start the
 * write-back of what the writer wrote since, which keeps the page cache's dirty data bounded.
 *
 * <p>A checkpoint offset reaches {@link #durable()} only after an fsync that began after every block
 * before it was written and the file was extended to it: a copy resumed from there finds all of it.
 * The last offset it reports is the destination's final size.
 *
 * <p>The writer does not pass a checkpoint before the one before it was {@link #acknowledge()}d, that
 * is, reported to the activity. So it runs at most two checkpoint intervals ahead of the last reported
 * one (what a resumed copy may have to redo), and an aborted copy stops writing soon.
 */
final class BlockWriter {
  /** A block of zeros to compare against; never written, so one buffer serves every copy. */
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(SparseCopier.BLOCK_SIZE).asReadOnlyBuffer();

  private final RandomAccessFile file;
  private final FileChannel out;
  private final long size;
  private final long checkpointInterval;
  private final BlockingQueue<Long> toSync = new LinkedBlockingQueue<>();
  private final BlockingQueue<Long> durable = new LinkedBlockingQueue<>();
  private final AtomicLong written = new AtomicLong();
  /** One permit per checkpoint the writer may hand on before the previous one is acknowledged. */
  private final Semaphore unacknowledged = new Semaphore(1);

  /**
   * @param size the destination's final length
   */
  BlockWriter(RandomAccessFile file, long size, long checkpointInterval) {
    this.file = file;
    this.out = file.getChannel();
    this.size = size;
    this.checkpointInterval = checkpointInterval;
  }

  /** Offsets up to which the destination is durable, increasing, the last one being its size. */
  BlockingQueue<Long> durable() {
    return durable;
  }

  /** Tells the writer that a durable checkpoint has been reported, so it may pass the next one. */
  void acknowledge() {
    unacknowledged.release();
  }

  /** Bytes of data written (zero blocks and holes excluded); final once the size is durable. */
  long written() {
    return written.get();
  }

  /**
   * The writer stage: writes the blocks of {@code in} that hold data, from {@code from} until
   * {@link Block#END}, giving each buffer back to {@code reader}, and hands checkpoints to the syncer.
   */
  void write(long from, BlockingQueue<Block> in, BlockReader reader) throws IOException, InterruptedException {
    long lastCheckpoint = from;
    while (true) {
      Block block = in.take();
      if (block == Block.END) {
        break;
      }
      try {
        if (block.buffer != null && !isZero(block.buffer)) {
          writeFully(block.buffer, block.offset);
          written.addAndGet(block.length);
        }
      } finally {
        reader.release(block);
      }
      long position = block.end();
      // The end is left to the final checkpoint below, so that the size is reported once.
      if (position - lastCheckpoint >= checkpointInterval && position < size) {
        // Skipped zero blocks leave the file shorter than what it now holds; a resume from this
        // checkpoint needs it at least this long, or it would find it too short and start over.
        if (file.length() < position) {
          file.setLength(position);
        }
        unacknowledged.acquire();
        toSync.put(position);
        lastCheckpoint = position;
      }
    }
    // Extending with setLength writes nothing, so a trailing run of zero blocks stays a hole.
    file.setLength(size);
    toSync.put(size);
  }

  /**
   * The syncer stage: one fsync for all checkpoints that are waiting, then reports them durable.
   * Ends after the final size.
   */
  void sync() throws IOException, InterruptedException {
    List<Long> pending = new ArrayList<>();
    while (true) {
      pending.add(toSync.take());
      toSync.drainTo(pending);
      out.force(false);
      for (long offset : pending) {
        durable.put(offset);
        if (offset == size) {
          return;
        }
      }
      pending.clear();
    }
  }

  /** Compares with a block of zeros; {@link ByteBuffer#mismatch} does so many bytes at a time. */
  private static boolean isZero(ByteBuffer block) {
    return block.mismatch(ZEROS.slice(0, block.remaining())) < 0;
  }

  private void writeFully(ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      at += out.write(buffer, at);
    }
  }
}
