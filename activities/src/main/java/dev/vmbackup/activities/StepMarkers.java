package dev.vmbackup.activities;

import dev.vmbackup.host.repository.Json;
import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.workflows.BackupLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The small JSON files a step leaves in the partial backup directory, so that a retry after a crash
 * knows how far an earlier attempt got (names in {@link BackupLayout}). A marker is always written to
 * a temporary file and renamed into place: a crash mid-write leaves the old marker or none, never half
 * of one that a retry would misread.
 */
public final class StepMarkers {
  private StepMarkers() {}

  /** The marker's content; empty if there is none or it cannot be read (a retry then starts over). */
  public static <T> Optional<T> read(Path file, Class<T> type) {
    try {
      return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(file), type));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Writes (or replaces) a marker atomically. */
  public static void write(Path file, Object value) {
    Path temporary = file.resolveSibling(BackupLayout.temporary(file.getFileName().toString()));
    try {
      Files.write(temporary, Json.MAPPER.writeValueAsBytes(value));
      Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes a marker and any temporary file a crash left beside it, so that neither is published. */
  public static void delete(Path file) {
    HostFiles.deleteIfExists(file);
    HostFiles.deleteIfExists(file.resolveSibling(BackupLayout.temporary(file.getFileName().toString())));
  }

  /** The copy of a file of the partial directory recorded complete, if it was. */
  static Optional<SparseCopier.Copied> readDone(Path partial, String name) {
    return read(partial.resolve(BackupLayout.doneMarker(name)), SparseCopier.Copied.class);
  }

  /**
   * Records a file of the partial directory as complete: a copy finds it so and does not copy it again.
   * Also how a file that another step put there (a frozen image moved in) counts as copied.
   */
  static void writeDone(Path partial, String name, SparseCopier.Copied copied) {
    write(partial.resolve(BackupLayout.doneMarker(name)), copied);
  }
}
