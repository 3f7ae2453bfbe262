package dev.vmbackup.testing;

import dev.vmbackup.activities.HostSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * The machine the tests run on: libvirt with QEMU, the test guest's kernel and initramfs, and a scratch
 * directory QEMU can read (it runs as its own user, so nothing under /root).
 */
public final class TestHost {
  public static final Path GUEST_DIR =
      Path.of(System.getenv().getOrDefault("VMBACKUP_CACHE", "/var/cache/vmbackup"), "guest");
  public static final Path SCRATCH = Path.of("/var/tmp/vmbackup-tests");
  /** The libvirt daemon the tests use, resolved as the product resolves it ($VMBACKUP_LIBVIRT_URI). */
  public static final String LIBVIRT_URI = HostSettings.libvirtUri(null);

  private TestHost() {}

  /** Skips nothing: a test host that is not prepared is a failure, with the command that prepares it. */
  public static void requireReady() {
    // Tests that restart libvirtd run beside others; a minute is plenty for it to answer again.
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
    while (!libvirtAvailable() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (!Commands.tryVirsh("version").succeeded()) {
      throw new AssertionError("libvirtd is not reachable; run scripts/prepare-host.sh first");
    }
    if (!Files.exists(GUEST_DIR.resolve("vmlinuz")) || !Files.exists(GUEST_DIR.resolve("initrd.img"))) {
      Commands.ok(repositoryRoot().resolve("scripts/build-test-guest.sh").toString());
    }
  }

  /** Whether libvirt is usable here; for the few tests that can say something useful without it. */
  public static boolean libvirtAvailable() {
    return Commands.tryVirsh("version").succeeded();
  }

  public static void assumeLibvirt() {
    Assumptions.assumeTrue(libvirtAvailable(), "libvirtd not reachable");
  }

  /** The directory under which every test's scratch directory lives; created if missing. */
  public static Path scratchRoot() {
    try {
      return Files.createDirectories(SCRATCH);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh directory for one test. */
  public static Path scratchDir(String prefix) {
    try {
      Files.createDirectories(SCRATCH);
      Path dir = SCRATCH.resolve(prefix + "-" + UUID.randomUUID().toString().substring(0, 8));
      Files.createDirectories(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The project's root, found from the working directory of the test JVM (a module directory). */
  public static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("scripts/build-test-guest.sh"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("cannot find the project root from " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  public static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
