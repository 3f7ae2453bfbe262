package dev.vmbackup.testing;

import dev.vmbackup.host.guest.TinyGuest;
import dev.vmbackup.host.process.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A real, tiny libvirt guest for tests: the Debian cloud kernel with a busybox initramfs that runs
 * qemu-guest-agent and appends numbered records to every disk (see scripts/build-test-guest.sh).
 * Defined and run with virsh, independently of the code under test.
 */
public final class TestGuest implements AutoCloseable {
  private final String name;
  private final Path dir;
  private final List<TinyGuest.Disk> disks;

  private TestGuest(String name, Path dir, List<TinyGuest.Disk> disks) {
    this.name = name;
    this.dir = dir;
    this.disks = disks;
  }

  public static Builder builder(String prefix) {
    return new Builder(prefix);
  }

  public static final class Builder {
    private final String prefix;
    private final List<TinyGuest.Disk> disks = new ArrayList<>();
    private int memoryMiB = 128;
    private boolean agent = true;
    private boolean start = true;
    private String dirName;
    private int churnKiB;

    private Builder(String prefix) {
      this.prefix = prefix;
    }

    public Builder disk(TinyGuest.Disk disk) {
      disks.add(disk);
      return this;
    }

    public Builder memoryMiB(int memory) {
      this.memoryMiB = memory;
      return this;
    }

    public Builder withoutAgent() {
      this.agent = false;
      return this;
    }

    public Builder shutOff() {
      this.start = false;
      return this;
    }

    /** Makes the guest also rewrite this much random data per record (five times a second) on every disk. */
    public Builder churnKiB(int kib) {
      this.churnKiB = kib;
      return this;
    }

    /** Puts the guest's files in a subdirectory of this name (which may contain spaces). */
    public Builder directory(String name) {
      this.dirName = name;
      return this;
    }

    /** Creates the disks, defines the domain and, unless shut off, starts it and waits for it to write. */
    public TestGuest create() {
      TestHost.requireReady();
      if (disks.isEmpty()) {
        disks.add(TinyGuest.Disk.qcow2("vda"));
      }
      String name = "vmbt-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
      Path dir = TestHost.scratchDir(prefix);
      if (dirName != null) {
        dir = dir.resolve(dirName);
      }
      try {
        Files.createDirectories(dir);
        for (TinyGuest.Disk disk : disks) {
          TinyGuest.makeDisk(new ProcessRunner(), dir, disk);
        }
        Path xml = dir.resolve("domain.xml");
        Files.writeString(xml, TinyGuest.domainXml(new TinyGuest.Spec(
            name, dir, disks, memoryMiB, agent, churnKiB, "qemu", TestHost.GUEST_DIR)), StandardCharsets.UTF_8);
        Commands.virsh("define", xml.toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      TestGuest guest = new TestGuest(name, dir, List.copyOf(disks));
      if (start) {
        try {
          guest.start();
        } catch (AssertionError first) {
          // Other tests on this host restart libvirtd now and then; one more try once it answers.
          guest.awaitLibvirtd();
          try {
            Commands.tryVirsh("destroy", name);
            guest.start();
          } catch (AssertionError | RuntimeException second) {
            guest.close();
            second.addSuppressed(first);
            throw second;
          }
        }
      }
      return guest;
    }
  }

  public String name() {
    return name;
  }

  public Path dir() {
    return dir;
  }

  public List<TinyGuest.Disk> disks() {
    return disks;
  }

  public Path diskPath(String target) {
    return disks.stream().filter(d -> d.target().equals(target)).findFirst()
        .map(d -> dir.resolve(d.fileName())).orElseThrow();
  }

  public Path consoleLog() {
    return dir.resolve("console.log");
  }

  public ConsoleLog console() {
    return new ConsoleLog(consoleLog());
  }

  /** Starts the guest and waits until it has written a few records. */
  public void start() {
    Commands.virsh("start", name);
    console().waitForNewRecords(3, Duration.ofSeconds(90));
  }

  private void awaitLibvirtd() {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!TestHost.libvirtAvailable() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Whether the guest agent is frozen, answered by the agent itself. */
  public boolean filesystemsFrozen() {
    var result = Commands.tryVirsh("qemu-agent-command", name, "{\"execute\":\"guest-fsfreeze-status\"}");
    return result.succeeded() && result.stdout().contains("frozen");
  }

  public String state() {
    return Commands.virsh("domstate", name).trim();
  }

  @Override
  public void close() {
    // A test that timed out leaves its thread interrupted, which would make every command below fail
    // at once and leak the VM: clean up first, then restore the interrupt.
    boolean interrupted = Thread.interrupted();
    try {
      cleanUp();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void cleanUp() {
    Commands.tryVirsh("destroy", name);
    // Checkpoints (of incremental backups) keep libvirt from undefining a domain unless told to drop them.
    Commands.tryVirsh("undefine", name, "--nvram", "--checkpoints-metadata");
    TestHost.deleteRecursively(dir.startsWith(TestHost.SCRATCH) ? topScratchDir(dir) : dir);
  }

  private static Path topScratchDir(Path dir) {
    Path current = dir;
    while (!current.getParent().equals(TestHost.SCRATCH)) {
      current = current.getParent();
    }
    return current;
  }

}
