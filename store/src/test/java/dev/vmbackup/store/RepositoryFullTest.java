package dev.vmbackup.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local store on a full filesystem fails the backup with {@link RepositoryFullException} and lists no
 * partial backup. The small filesystem is a 2 MiB tmpfs mounted in a private mount namespace
 * ({@code unshare --mount}) of a child JVM, so that no mount is ever visible to the rest of the host;
 * skipped where that needs privileges this process lacks.
 */
class RepositoryFullTest {
  @TempDir Path dir;

  @Test
  void aFullFilesystemIsRepositoryFullAndListsNothingPartial() throws Exception {
    Path mount = Files.createDirectories(dir.resolve("small"));
    Path image = Images.create(dir.resolve("vda.raw"), 8L << 20, 9);
    String java = ProcessHandle.current().info().command().orElse("java");
    String command = "mount -t tmpfs -o size=2m tmpfs " + mount + " && exec " + java + " -cp "
        + System.getProperty("java.class.path") + " " + FullDiskProbe.class.getName() + " " + mount + " " + image;
    Process probe;
    try {
      probe = new ProcessBuilder(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", command))
          .redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      Assumptions.abort("unshare is not available: " + e.getMessage());
      return;
    }
    assertThat(probe.waitFor(2, TimeUnit.MINUTES)).isTrue();
    String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Assumptions.assumeFalse(out.contains("Operation not permitted") || out.contains("must be superuser"),
        "a private mount namespace needs privileges this test lacks: " + out);
    assertThat(out).contains("outcome=full", "message=REPOSITORY_FULL", "backups=0", "temporaries=0");
  }
}
