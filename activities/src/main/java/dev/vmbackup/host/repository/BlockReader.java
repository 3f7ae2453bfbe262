package dev.vmbackup.host.repository;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The first stage of a pipelined copy or checksum: reads a range of a file block by block into
 * buffers from a bounded pool and queues them in file order, ending with {@link Block#END}. Blocks
 * that the file's data map shows to be holes are queued without being read. The pool bounds how far
 * the reader runs ahead of the slowest later stage.
 */
final class BlockReader {
  /** A block of the file: {@code buffer} holds its bytes, or is null for a hole (all zeros, not read). */
  static final class Block {
    static final Block END = new Block(-1, 0, null);

    final long offset;
    final int length;
    final ByteBuffer buffer;

    Block(long offset, int length, ByteBuffer buffer) {
      this.offset = offset;
      this.length = length;
      this.buffer = buffer;
    }

    long end() {
      return offset + length;
    }
  }

  private final FileChannel in;
  private final Path source;
  private final NativeFiles.Handle holes;
  private final int blockSize;
  private final long bytesPerSecond;
  private final BlockingQueue<ByteBuffer> pool;

  /**
   * @param holes where to ask for the file's holes, {@link NativeFiles.Handle#NONE} to read every byte
   * @param buffers how many blocks may be in flight between the reader and the last stage
   * @param bytesPerSecond the most logical bytes (holes included) to pass on per second; 0 for no limit
   */
  BlockReader(FileChannel in, Path source, NativeFiles.Handle holes, int blockSize, int buffers, long bytesPerSecond) {
    this.in = in;
    this.source = source;
    this.holes = holes;
    this.blockSize = blockSize;
    this.bytesPerSecond = bytesPerSecond;
    this.pool = new ArrayBlockingQueue<>(buffers);
    for (int i = 0; i < buffers; i++) {
      pool.add(ByteBuffer.allocateDirect(blockSize));
    }
  }

  /** Gives a block's buffer back once the last stage is done with it. */
  void release(Block block) {
    if (block.buffer != null) {
      pool.add(block.buffer);
    }
  }

  /**
   * Queues the blocks of {@code [from, to)}. Blocks after the first are aligned to the block size, so
   * that they line up with the filesystem's extents and the copy's checkpoints.
   */
  void read(long from, long to, BlockingQueue<Block> out) throws IOException, InterruptedException {
    long started = System.nanoTime();
    long position = from;
    // The data extent that holds or follows the position, as far as the file's map was asked.
    long dataStart = 0;
    long dataEnd = -1;
    while (position < to) {
      long end = Math.min(to, (position / blockSize + 1) * blockSize);
      if (position >= dataEnd) {
        dataStart = holes.nextData(position, to);
        dataEnd = dataStart >= to ? to : holes.nextHole(dataStart, to);
      }
      Block block;
      if (end <= dataStart) {
        block = new Block(position, (int) (end - position), null);
      } else {
        ByteBuffer buffer = pool.take();
        buffer.clear().limit((int) (end - position));
        readFully(buffer, position);
        buffer.flip();
        block = new Block(position, (int) (end - position), buffer);
      }
      out.put(block);
      position = end;
      throttle(started, position - from);
    }
    out.put(Block.END);
  }

  private void readFully(ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = in.read(buffer, at);
      if (n < 0) {
        throw new IOException(source + " shrank while it was read: it ended at " + at);
      }
      at += n;
    }
  }

  /** Sleeps as long as the reader is ahead of its bandwidth limit. */
  private void throttle(long startedNanos, long bytes) throws InterruptedIOException {
    if (bytesPerSecond == 0) {
      return;
    }
    // In floating point: bytes times 10^9 overflows a long after 9 GB.
    long wait = startedNanos + (long) (bytes * 1e9 / bytesPerSecond) - System.nanoTime();
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("copy interrupted");
      }
    }
  }
}
