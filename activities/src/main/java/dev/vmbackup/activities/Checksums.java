package dev.vmbackup.activities;

import dev.vmbackup.host.repository.SparseCopier;
import java.io.IOException;
import java.nio.file.Path;

/** SHA-256 of files that may be large, with a callback between chunks so that the activity can heartbeat. */
final class Checksums {
  private Checksums() {}

  /**
   * Re-reads every byte of the file (a reader thread reads ahead while this thread hashes) and calls
   * {@code betweenChunks} on this thread every few MiB.
   */
  static String sha256(Path file, Runnable betweenChunks) throws IOException {
    return SparseCopier.sha256(file, betweenChunks);
  }
}
