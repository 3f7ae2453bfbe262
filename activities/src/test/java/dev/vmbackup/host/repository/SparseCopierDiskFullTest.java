package dev.vmbackup.host.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vmbackup.host.process.CommandFailedException;
import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fills a real, deliberately small filesystem: a 2 MiB tmpfs, which needs root to mount. */
class SparseCopierDiskFullTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final ProcessRunner runner = new ProcessRunner();

  @TempDir Path dir;
  private Path mountPoint;
  private boolean mounted;

  @BeforeEach
  void mountASmallFilesystem() throws IOException {
    mountPoint = Files.createDirectory(dir.resolve("small"));
    CommandResult result;
    try {
      result = runner.run(List.of("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint.toString()), TIMEOUT);
    } catch (CommandFailedException e) {
      result = null;
    }
    mounted = result != null && result.succeeded();
    Assumptions.assumeTrue(mounted, "cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)");
  }

  @AfterEach
  void unmount() {
    if (mounted) {
      runner.runChecked(List.of("umount", mountPoint.toString()), TIMEOUT);
    }
  }

  @Test
  void aFullFilesystemFailsTheCopyAsFull() throws IOException {
    Path source = dir.resolve("random");
    byte[] bytes = new byte[4 * 1024 * 1024];
    new Random(42).nextBytes(bytes);
    Files.write(source, bytes);
    Path destination = mountPoint.resolve("copy");

    IOException error = catchThrowableOfType(IOException.class,
        () -> new SparseCopier().copy(source, destination, 0, SparseCopier.NO_PROGRESS));

    assertThat(error).isNotNull();
    Optional<RepositoryException> classified = RepositoryException.classify("cannot write " + destination, error);
    assertThat(classified).hasValueSatisfying(e -> {
      assertThat(e.kind()).isEqualTo(RepositoryException.Kind.FULL);
      assertThat(e.getMessage()).isEqualTo("cannot write " + destination + ": No space left on device");
    });
  }
}
