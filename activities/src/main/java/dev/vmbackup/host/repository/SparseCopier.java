package dev.vmbackup.host.repository;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Copies a file sparse-aware while computing its SHA-256: blocks of zeros are not written, so holes
 * stay holes (and zero blocks become holes). The copy is made durable at checkpoints, and a copy can
 * resume at a checkpoint after a crash.
 */
public final class SparseCopier {
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

  /**
   * Copies {@code source} to {@code destination}. With {@code resumeOffset > 0} the destination must
   * already hold the first {@code resumeOffset} bytes from an earlier attempt: they are re-read to
   * rebuild the checksum, not copied again. The destination ends with the source's exact length.
   * Calls {@code progress} after each durable checkpoint (and exceptions it throws abort the copy).
   */
  public Copied copy(Path source, Path destination, long resumeOffset, Progress progress) throws IOException {
    throw new UnsupportedOperationException("TODO");
  }

  /** SHA-256 of a file's whole content, streamed. */
  public static String sha256(Path file) throws IOException {
    throw new UnsupportedOperationException("TODO");
  }
}
