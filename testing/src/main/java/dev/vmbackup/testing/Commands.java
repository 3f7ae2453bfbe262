package dev.vmbackup.testing;

import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import java.time.Duration;
import java.util.List;

/** Host commands for test fixtures; independent of the code under test where possible (virsh, not libvirt-java). */
public final class Commands {
  private static final ProcessRunner RUNNER = new ProcessRunner();

  private Commands() {}

  public static CommandResult run(String... command) {
    return RUNNER.run(List.of(command), Duration.ofMinutes(10));
  }

  /** Runs and fails the test with the command's stderr unless it exits 0. */
  public static String ok(String... command) {
    CommandResult result = run(command);
    if (!result.succeeded()) {
      throw new AssertionError(String.join(" ", command) + " failed (" + result.exitCode() + "): " + result.stderr()
          + result.stdout());
    }
    return result.stdout();
  }

  public static String virsh(String... arguments) {
    String[] command = new String[arguments.length + 3];
    command[0] = "virsh";
    command[1] = "-c";
    command[2] = TestHost.LIBVIRT_URI;
    System.arraycopy(arguments, 0, command, 3, arguments.length);
    return ok(command);
  }

  public static CommandResult tryVirsh(String... arguments) {
    String[] command = new String[arguments.length + 3];
    command[0] = "virsh";
    command[1] = "-c";
    command[2] = TestHost.LIBVIRT_URI;
    System.arraycopy(arguments, 0, command, 3, arguments.length);
    return run(command);
  }
}
