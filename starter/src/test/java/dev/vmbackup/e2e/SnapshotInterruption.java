package dev.vmbackup.e2e;

import dev.vmbackup.testing.TestGuest;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Stops a worker inside libvirt's snapshot call. A snapshot with {@code --capture memory} first saves
 * the guest's memory live into {@code memory.save} in the partial backup directory and switches the
 * disks to their overlays only at the end; the file's appearance is the moment the call is under way.
 */
final class SnapshotInterruption {
  private SnapshotInterruption() {}

  /**
   * Waits for the memory save of the guest's backup to begin, then freezes the worker (SIGSTOP) and
   * kills it. Returns the memory file being written.
   */
  static Path killWorkerInsideTheMemorySnapshot(WorkerProcess worker, Path repository, TestGuest guest) {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (Instant.now().isBefore(deadline)) {
      Optional<Path> memory = memoryFileBeingWritten(repository.resolve(guest.name()));
      if (memory.isPresent()) {
        worker.suspend();
        worker.kill();
        return memory.get();
      }
      DevServer.sleep(2);
    }
    throw new AssertionError("the memory save of " + guest.name() + " did not begin in time");
  }

  private static Optional<Path> memoryFileBeingWritten(Path domainDir) {
    if (!Files.isDirectory(domainDir)) {
      return Optional.empty();
    }
    try (DirectoryStream<Path> partials = Files.newDirectoryStream(domainDir, "*.partial")) {
      for (Path partial : partials) {
        Path memory = partial.resolve("memory.save");
        if (Files.exists(memory)) {
          return Optional.of(memory);
        }
      }
    } catch (IOException e) {
      // The directory changes under us while the backup prepares it: look again.
    }
    return Optional.empty();
  }
}
