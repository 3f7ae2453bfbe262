package dev.vmbackup.starter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vmbackup.host.repository.Json;
import java.io.PrintWriter;

/** Prints a command's result: one JSON object with {@code --json}, else lines of text. */
final class Output {
  private Output() {}

  static void json(PrintWriter out, Object value) {
    try {
      // One line, so that scripts can read it as one record.
      out.println(Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("result not serialisable: " + e.getMessage(), e);
    }
    out.flush();
  }

  static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
  }
}
