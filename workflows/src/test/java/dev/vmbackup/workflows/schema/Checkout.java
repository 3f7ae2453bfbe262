package dev.vmbackup.workflows.schema;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout the tests run in, for the tests that read its documents (docs/schemas, README.md). */
public final class Checkout {
  private Checkout() {}

  /** The checkout's top directory; the tests run in a module's directory below it. */
  public static Path root() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve("scripts/generate-schemas.sh"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no checkout of vmbackup above " + Path.of("").toAbsolutePath());
  }
}
