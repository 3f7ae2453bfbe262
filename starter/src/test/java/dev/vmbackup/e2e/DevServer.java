package dev.vmbackup.e2e;

import dev.vmbackup.testing.TestHost;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The real Temporal server of the end-to-end tests: the Temporal CLI's dev server (SQLite, Web UI),
 * built once by scripts/install-temporal-cli.sh and shared by every test of the JVM.
 */
public final class DevServer {
  private static DevServer instance;

  private Process process;
  private final String address;
  private final int port;
  private final int uiPort;
  private final Path dir;

  private DevServer(Process process, int port, int uiPort, Path dir) {
    this.process = process;
    this.address = "127.0.0.1:" + port;
    this.port = port;
    this.uiPort = uiPort;
    this.dir = dir;
  }

  /** SIGKILL: the server dies at once, as in a crash; its SQLite file keeps what it had committed. */
  public synchronized void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts the server again on the same SQLite file and ports, after {@link #kill()}. */
  public synchronized void restart() {
    try {
      process = launch(dir, port, uiPort);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    awaitReady(address, process, dir);
  }

  public static synchronized DevServer get() {
    if (instance == null) {
      instance = start();
      Runtime.getRuntime().addShutdownHook(new Thread(instance::stop, "dev-server-stop"));
    }
    return instance;
  }

  public String address() {
    return address;
  }

  public String uiUrl() {
    return "http://127.0.0.1:" + uiPort;
  }

  public Path dir() {
    return dir;
  }

  private static DevServer start() {
    try {
      Path dir = Files.createTempDirectory("vmbackup-devserver-");
      int port = freePort();
      int uiPort = freePort();
      Process process = launch(dir, port, uiPort);
      awaitReady("127.0.0.1:" + port, process, dir);
      return new DevServer(process, port, uiPort, dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Process launch(Path dir, int port, int uiPort) throws IOException {
    return new ProcessBuilder(List.of(
            binary().toString(), "server", "start-dev",
            "--db-filename", dir.resolve("temporal.db").toString(),
            "--ip", "127.0.0.1",
            "--port", Integer.toString(port),
            "--ui-port", Integer.toString(uiPort),
            "--log-level", "error"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()))
        .start();
  }

  static Path binary() {
    String configured = System.getenv("VMBACKUP_TEMPORAL_CLI");
    Path binary = configured != null ? Path.of(configured) : Path.of("/var/cache/vmbackup/bin/temporal");
    if (!Files.isExecutable(binary)) {
      throw new AssertionError("the Temporal CLI is not built; run " + TestHost.repositoryRoot()
          .resolve("scripts/install-temporal-cli.sh"));
    }
    return binary;
  }

  private static void awaitReady(String address, Process process, Path dir) {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new AssertionError("the Temporal dev server exited; see " + dir.resolve("server.log"));
      }
      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
      try {
        stubs.blockingStub().withDeadlineAfter(2, java.util.concurrent.TimeUnit.SECONDS)
            .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
        return;
      } catch (RuntimeException notYet) {
        sleep(300);
      } finally {
        stubs.shutdownNow();
      }
    }
    throw new AssertionError("the Temporal dev server did not come up; see " + dir.resolve("server.log"));
  }

  private synchronized void stop() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
