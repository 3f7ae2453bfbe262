package dev.vmbackup.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The benchmark's output: Markdown tables (for the README) and one CSV of every row. */
final class Report {
  private final StringBuilder markdown = new StringBuilder();
  private final List<String> csv = new ArrayList<>(List.of("table,case,metric,median,min,max,runs,ratio"));

  void title(String title, String machine) {
    markdown.append("# vmbackup benchmarks\n\n").append(machine).append("\n\n");
  }

  /** Starts a table with its header cells. */
  void table(String title, String note, String... header) {
    markdown.append("## ").append(title).append("\n\n");
    if (note != null && !note.isBlank()) {
      markdown.append(note).append("\n\n");
    }
    markdown.append("| ").append(String.join(" | ", header)).append(" |\n");
    markdown.append("|").append(" --- |".repeat(header.length)).append("\n");
  }

  void row(String... cells) {
    markdown.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }

  void endTable() {
    markdown.append("\n");
  }

  /** One machine-readable line per measured quantity. */
  void csv(String table, String name, String metric, Samples samples, String ratio) {
    if (samples.isEmpty()) {
      return;
    }
    csv.add(String.join(",", table, quote(name), metric, Double.toString(samples.median()),
        Double.toString(samples.min()), Double.toString(samples.max()), Integer.toString(samples.count()),
        ratio == null ? "" : ratio));
  }

  String markdown() {
    return markdown.toString();
  }

  void write(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("results.md"), markdown.toString(), StandardCharsets.UTF_8);
      Files.write(dir.resolve("results.csv"), csv, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String quote(String value) {
    return value.contains(",") ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }
}
