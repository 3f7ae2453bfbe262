package dev.vmbackup.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Where the writer reads an image or blob from: positional reads, from any thread. */
@FunctionalInterface
public interface Source {
  /** Fills {@code dst[0, length)} with the bytes at {@code offset}; bytes past the end read as zeros. */
  void read(long offset, byte[] dst, int length) throws IOException;

  /** A file channel (an image file, a block device, a named pipe is not: it needs positional reads). */
  static Source of(FileChannel channel) {
    return (offset, dst, length) -> {
      ByteBuffer buffer = ByteBuffer.wrap(dst, 0, length);
      long position = offset;
      while (buffer.hasRemaining()) {
        int read = channel.read(buffer, position);
        if (read < 0) {
          java.util.Arrays.fill(dst, buffer.position(), length, (byte) 0);
          return;
        }
        position += read;
      }
    };
  }

  /** Bytes in memory. */
  static Source of(byte[] data) {
    return (offset, dst, length) -> {
      int available = (int) Math.max(0, Math.min(length, data.length - offset));
      System.arraycopy(data, (int) offset, dst, 0, available);
      java.util.Arrays.fill(dst, available, length, (byte) 0);
    };
  }
}
