package dev.vmbackup.bench;

import dev.vmbackup.activities.HostSettings;
import dev.vmbackup.host.guest.TinyGuest;
import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** The machine the benchmarks run on: commands, scratch space, and tiny guests defined with virsh. */
final class BenchHost {
  static final Path SCRATCH = Path.of("/var/tmp/vmbackup-bench");
  static final ProcessRunner RUNNER = new ProcessRunner();

  private BenchHost() {}

  static String ok(String... command) {
    CommandResult result = RUNNER.run(List.of(command), Duration.ofHours(1));
    if (!result.succeeded()) {
      throw new IllegalStateException(ProcessRunner.failureMessage(result));
    }
    return result.stdout();
  }

  static CommandResult run(String... command) {
    return RUNNER.run(List.of(command), Duration.ofHours(1));
  }

  static String virsh(String... arguments) {
    List<String> command = new ArrayList<>(List.of("virsh", "-c", HostSettings.libvirtUri(null)));
    command.addAll(List.of(arguments));
    return ok(command.toArray(String[]::new));
  }

  static Path scratch(String name) {
    try {
      return Files.createDirectories(SCRATCH.resolve(name + "-" + UUID.randomUUID().toString().substring(0, 6)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Drops the page cache so that a copy reads from the disk, as a backup of a cold image does. Returns
   * false where the container does not allow it; the tables then say the cache was warm.
   */
  static boolean dropCaches() {
    run("sync");
    try {
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
      return true;
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  /** A running tiny guest; closing it destroys and undefines it and deletes its files. */
  static final class Guest implements AutoCloseable {
    final String name;
    final Path dir;
    final TinyGuest.Disk disk;

    Guest(String prefix, int memoryMiB, int ballastMiB, int churnKiB) {
      this(prefix, memoryMiB, TinyGuest.Disk.qcow2("vda").withBallast(ballastMiB), churnKiB);
    }

    Guest(String prefix, int memoryMiB, TinyGuest.Disk disk, int churnKiB) {
      this(prefix, memoryMiB, disk, churnKiB, null);
    }

    /**
     * A guest whose disk is a copy of {@code template} (a disk image made by {@link TinyGuest#makeDisk}
     * for {@code disk}), as VMs cloned from one template are; a new disk when it is null.
     */
    Guest(String prefix, int memoryMiB, TinyGuest.Disk disk, int churnKiB, Path template) {
      this.name = "vmbench-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
      this.dir = scratch(prefix);
      this.disk = disk;
      if (template == null) {
        TinyGuest.makeDisk(RUNNER, dir, disk);
      } else {
        ok("cp", "--sparse=always", template.toString(), dir.resolve(disk.fileName()).toString());
      }
      try {
        Path xml = dir.resolve("domain.xml");
        Files.writeString(xml, TinyGuest.domainXml(new TinyGuest.Spec(name, dir, List.of(disk), memoryMiB, true,
            churnKiB, "qemu", TinyGuest.DEFAULT_GUEST_DIR)), StandardCharsets.UTF_8);
        virsh("define", xml.toString());
        virsh("start", name);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Console.of(this).awaitRecords(5, Duration.ofMinutes(3));
    }

    Path image() {
      return dir.resolve(disk.fileName());
    }

    Path console() {
      return dir.resolve("console.log");
    }

    @Override
    public void close() {
      run("virsh", "-c", HostSettings.libvirtUri(null), "destroy", name);
      run("virsh", "-c", HostSettings.libvirtUri(null), "undefine", name, "--nvram", "--checkpoints-metadata");
      delete(dir);
    }
  }
}
