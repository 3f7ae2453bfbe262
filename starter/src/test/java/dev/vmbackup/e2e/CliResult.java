package dev.vmbackup.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmbackup.host.repository.Json;
import java.io.IOException;
import java.io.UncheckedIOException;

/** What one run of the vmbackup command line returned. */
record CliResult(int exitCode, String stdout, String stderr) {
  JsonNode json() {
    try {
      return Json.MAPPER.readTree(stdout);
    } catch (IOException e) {
      throw new UncheckedIOException("stdout is not JSON: " + stdout + "\nstderr: " + stderr, e);
    }
  }

  <T> T json(Class<T> type) {
    try {
      return Json.MAPPER.readValue(stdout, type);
    } catch (IOException e) {
      throw new UncheckedIOException("stdout is not a " + type.getSimpleName() + ": " + stdout + "\nstderr: " + stderr, e);
    }
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
  }
}
