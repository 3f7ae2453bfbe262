package dev.vmbackup.host.repository;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few Linux file calls that Java has no API for, through JNA (already on the class path for
 * libvirt-java): finding a sparse file's data with {@code lseek(SEEK_DATA/SEEK_HOLE)}.
 *
 * <p>This is an optimisation only. Where the call is missing (another platform, no JNA, an old kernel,
 * a filesystem that refuses it) the methods answer as if the whole file were data, and the copier
 * reads the holes as it would without them.
 *
 * <p>{@code sync_file_range(SYNC_FILE_RANGE_WRITE)} after every written block was tried for
 * write-behind and made copies slower here (it blocks while the device's queue is full); the copier's
 * fsyncs on a thread of their own keep the dirty data bounded without stalling the writer.
 */
final class NativeFiles {
  private static final Logger LOG = LoggerFactory.getLogger(NativeFiles.class);

  private static final int O_RDONLY = 0;
  /** Linux's value on x86-64 and aarch64, the platforms JNA's Linux builds and this project run on. */
  private static final int O_CLOEXEC = 0x80000;
  private static final int SEEK_DATA = 3;
  private static final int SEEK_HOLE = 4;
  private static final int ENXIO = 6;

  /** The C library's calls, declared to throw so that JNA reports errno instead of a bare -1. */
  private interface LibC extends Library {
    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    long lseek(int fd, long offset, int whence) throws LastErrorException;
  }

  private static final LibC LIBC = load();

  private NativeFiles() {}

  private static LibC load() {
    try {
      return Platform.isLinux() ? Native.load("c", LibC.class) : null;
    } catch (LinkageError | RuntimeException e) {
      // JNA's own native part may fail to load (a noexec temporary directory, say); copies work without.
      LOG.info("no native file calls ({}); copies read holes too", e.toString());
      return null;
    }
  }

  /**
   * Opens a second, read-only descriptor of {@code file} for the calls here, because a
   * {@link java.nio.channels.FileChannel} does not expose its own. They act on the file, not on the
   * descriptor's position, so it serves the channel that reads the same file.
   */
  static Handle open(Path file) {
    if (LIBC == null) {
      return Handle.NONE;
    }
    try {
      return new Handle(LIBC.open(file.toString(), O_RDONLY | O_CLOEXEC));
    } catch (LastErrorException e) {
      LOG.debug("cannot open {} for native calls: errno {}", file, e.getErrorCode());
      return Handle.NONE;
    }
  }

  /** A descriptor for the native calls; {@link #NONE} where they are not available. */
  static final class Handle implements AutoCloseable {
    static final Handle NONE = new Handle(-1);

    private final int fd;
    private volatile boolean seekWorks;

    private Handle(int fd) {
      this.fd = fd;
      this.seekWorks = fd >= 0;
    }

    /**
     * The start of the first data at or after {@code offset}, {@code size} if only a hole follows,
     * or {@code offset} itself where holes cannot be found (everything then counts as data).
     */
    long nextData(long offset, long size) {
      if (!seekWorks) {
        return offset;
      }
      try {
        return Math.min(LIBC.lseek(fd, offset, SEEK_DATA), size);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == ENXIO) {
          return size;
        }
        disableSeek(e);
        return offset;
      }
    }

    /** The start of the first hole at or after {@code offset}; {@code size} where holes cannot be found. */
    long nextHole(long offset, long size) {
      if (!seekWorks) {
        return size;
      }
      try {
        return Math.min(LIBC.lseek(fd, offset, SEEK_HOLE), size);
      } catch (LastErrorException e) {
        disableSeek(e);
        return size;
      }
    }

    private void disableSeek(LastErrorException e) {
      seekWorks = false;
      LOG.debug("lseek(SEEK_DATA/SEEK_HOLE) failed with errno {}; reading holes too", e.getErrorCode());
    }

    @Override
    public void close() throws IOException {
      if (fd < 0) {
        return;
      }
      try {
        LIBC.close(fd);
      } catch (LastErrorException e) {
        throw new IOException("cannot close a descriptor: errno " + e.getErrorCode(), e);
      }
    }
  }
}
