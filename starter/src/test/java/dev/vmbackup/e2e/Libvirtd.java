package dev.vmbackup.e2e;

import dev.vmbackup.testing.Commands;
import java.time.Duration;

/** Restarts libvirtd the way an operator (or a package upgrade) would: the QEMU processes keep running. */
final class Libvirtd {
  private Libvirtd() {}

  static void restart() {
    Commands.run("pkill", "-TERM", "-x", "libvirtd");
    Awaits.until("libvirtd has stopped", Duration.ofSeconds(60),
        () -> !Commands.run("pgrep", "-x", "libvirtd").succeeded());
    Commands.ok("libvirtd", "-d");
    Awaits.until("libvirtd answers again", Duration.ofSeconds(60),
        () -> Commands.tryVirsh("version").succeeded());
  }
}
