package dev.vmbackup.activities;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** File operations of host activities, with I/O failures unchecked (the activity boundary classifies them). */
final class HostFiles {
  private HostFiles() {}

  /** Deletes a file if it is there; a retry that finds it gone already does nothing. */
  static void deleteIfExists(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
