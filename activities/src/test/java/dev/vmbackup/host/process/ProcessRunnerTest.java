package dev.vmbackup.host.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRunnerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final ProcessRunner runner = new ProcessRunner();

  @Test
  void capturesStdoutStderrAndExitCode() {
    CommandResult result = runner.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), TIMEOUT);

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.succeeded()).isFalse();
    assertThat(result.stdout()).isEqualTo("out\n");
    assertThat(result.stderr()).isEqualTo("err\n");
    assertThat(result.command()).containsExactly("sh", "-c", "echo out; echo err >&2; exit 3");
  }

  @Test
  void runCheckedReturnsTheResultOfASuccessfulCommand() {
    CommandResult result = runner.runChecked(List.of("printf", "%s", "hello"), TIMEOUT);

    assertThat(result.succeeded()).isTrue();
    assertThat(result.stdout()).isEqualTo("hello");
  }

  @Test
  void runCheckedFailsWithTheCommandExitCodeAndFirstLineOfStderr() {
    List<String> command = List.of("sh", "-c", "echo 'first problem' >&2; echo 'second' >&2; exit 2");

    assertThatThrownBy(() -> runner.runChecked(command, TIMEOUT))
        .isInstanceOfSatisfying(CommandFailedException.class, e -> {
          assertThat(e.getMessage())
              .isEqualTo("sh -c 'echo '\\''first problem'\\'' >&2; echo '\\''second'\\'' >&2; exit 2'"
                  + " failed (exit 2): first problem");
          assertThat(e.getMessage()).doesNotContain("\n");
          assertThat(e.result().exitCode()).isEqualTo(2);
          assertThat(e.result().stderr()).isEqualTo("first problem\nsecond\n");
        });
  }

  @Test
  void failureMessageMatchesTheDocumentedShape() {
    CommandResult result = new CommandResult(
        List.of("qemu-img", "check", "/x"), 2, "", "ERROR cluster 0 refcount=0\nERROR more\n");

    assertThat(ProcessRunner.failureMessage(result))
        .isEqualTo("qemu-img check /x failed (exit 2): ERROR cluster 0 refcount=0");
  }

  @Test
  void argumentsArePassedLiterallyWithoutAShell(@TempDir Path dir) throws Exception {
    Path marker = dir.resolve("marker");
    List<String> arguments = List.of(
        "with space", "$HOME", "`touch " + marker + "`", "$(touch " + marker + ")", "a;touch " + marker,
        "*", "'quoted'", "\"double\"", "", "x|y&z>w<v");

    List<String> command = new ArrayList<>(List.of("printf", "%s\\n"));
    command.addAll(arguments);
    CommandResult result = runner.runChecked(command, TIMEOUT);

    assertThat(result.stdout().split("\n", -1)).containsExactly(
        "with space", "$HOME", "`touch " + marker + "`", "$(touch " + marker + ")", "a;touch " + marker,
        "*", "'quoted'", "\"double\"", "", "x|y&z>w<v", "");
    assertThat(Files.exists(marker)).isFalse();
    try (Stream<Path> entries = Files.list(dir)) {
      assertThat(entries).isEmpty();
    }
  }

  @Test
  void stdinIsClosedSoReadersSeeEndOfFile() {
    CommandResult result = runner.runChecked(List.of("cat"), TIMEOUT);

    assertThat(result.stdout()).isEmpty();
  }

  @Test
  void largeOutputOnBothStreamsDoesNotDeadlock() {
    // Far more than a pipe buffer on each stream, written alternately, so that a runner reading one
    // stream after the other would block the command forever.
    String script = "i=0; while [ $i -lt 200 ]; do head -c 40000 /dev/zero | tr '\\0' o;"
        + " head -c 40000 /dev/zero | tr '\\0' e >&2; i=$((i+1)); done";

    CommandResult result = runner.runChecked(List.of("sh", "-c", script), TIMEOUT);

    assertThat(result.stdout()).hasSize(8_000_000);
    assertThat(result.stdout().chars().allMatch(c -> c == 'o')).isTrue();
    assertThat(result.stderr()).hasSize(8_000_000);
    assertThat(result.stderr().chars().allMatch(c -> c == 'e')).isTrue();
  }

  @Test
  void aCommandThatCannotBeStartedFails() {
    assertThatThrownBy(() -> runner.run(List.of("/nonexistent/vmbackup-no-such-command", "x"), TIMEOUT))
        .isInstanceOf(CommandFailedException.class)
        .hasMessageStartingWith("/nonexistent/vmbackup-no-such-command x could not be started")
        .satisfies(e -> assertThat(((CommandFailedException) e).result()).isNull());
  }

  @Test
  void aCommandPastItsTimeoutIsKilledWithItsChildren(@TempDir Path dir) throws Exception {
    Path pidFile = dir.resolve("child.pid");
    // The shell starts a child and waits for it; both must die when the timeout strikes.
    String script = "sleep 1000 & echo $! > '" + pidFile + "'; wait";

    assertThatThrownBy(() -> runner.run(List.of("sh", "-c", script), Duration.ofSeconds(2)))
        .isInstanceOf(CommandFailedException.class)
        .hasMessageContaining("timed out")
        .satisfies(e -> assertThat(((CommandFailedException) e).result()).isNull());

    long childPid = Long.parseLong(Files.readString(pidFile).strip());
    Optional<ProcessHandle> child = ProcessHandle.of(childPid);
    if (child.isPresent()) {
      // SIGKILL has been sent; wait (generously) for the kernel to finish the child off.
      child.get().onExit().get(30, TimeUnit.SECONDS);
      assertThat(child.get().isAlive()).isFalse();
    }
  }

  @Test
  void aTimedOutCommandThatIgnoresSigtermIsStillKilled() {
    String script = "trap '' TERM; while :; do sleep 1; done";

    assertThatThrownBy(() -> runner.run(List.of("sh", "-c", script), Duration.ofMillis(500)))
        .isInstanceOf(CommandFailedException.class)
        .hasMessageContaining("timed out");
  }
}
