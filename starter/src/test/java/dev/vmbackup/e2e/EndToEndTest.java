package dev.vmbackup.e2e;

import dev.vmbackup.testing.TestHost;
import dev.vmbackup.workflows.TaskQueues;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;

/**
 * Base of the end-to-end tests: a real Temporal dev server, a {@code vmbackup worker} process for a host
 * name of this test class's own, a scratch repository, and the command line run as a separate process.
 */
abstract class EndToEndTest {
  static DevServer server;
  static WorkflowClient client;
  static String host;
  static Path scratch;
  static Path repository;
  static Path stateDir;
  static WorkerProcess worker;
  /** Where the worker serves /health and /prometheus. */
  static int workerHttpPort;

  /** Extra worker options of the test class ({@link WorkerOptions}), e.g. bandwidth limits. */
  static List<String> workerOptions = List.of();

  @BeforeAll
  static void startHost(TestInfo info) {
    WorkerOptions options = info.getTestClass().orElseThrow().getAnnotation(WorkerOptions.class);
    List<String> requested = options == null ? List.of() : List.of(options.value());
    // Each class's worker serves /health and /prometheus on a port of its own: "free" picks one.
    workerHttpPort = DevServer.freePort();
    workerOptions = new ArrayList<>(requested.stream()
        .map(option -> option.equals("free") ? Integer.toString(workerHttpPort) : option).toList());
    if (!workerOptions.contains("--http-port")) {
      workerOptions.addAll(List.of("--http-port", Integer.toString(workerHttpPort)));
    }
    TestHost.requireReady();
    server = DevServer.get();
    client = WorkflowClient.newInstance(
        WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(server.address()).build()),
        WorkflowClientOptions.newBuilder().setNamespace("default").build());
    host = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
    scratch = TestHost.scratchDir("e2e");
    repository = scratch.resolve("repository");
    stateDir = scratch.resolve("state");
    worker = newWorker().start(client, TaskQueues.host(host));
  }

  @AfterAll
  static void stopHost() {
    if (worker != null) {
      worker.close();
    }
    String record = System.getenv("VMBACKUP_RECORD_HISTORIES");
    if (record != null && client != null) {
      Histories.export(client, host, Path.of(record));
    }
    TestHost.deleteRecursively(scratch);
  }

  static WorkerProcess newWorker() {
    return newWorker(Map.of());
  }

  /** A worker process of this class's host with extra environment, e.g. a fault-injection setting. */
  static WorkerProcess newWorker(Map<String, String> extraEnvironment) {
    return newWorker(extraEnvironment, workerHttpPort);
  }

  /**
   * A worker process of this class's host serving /health and /prometheus on a port of its own, for a
   * second worker of the same host beside one that still holds the class's port (a frozen one).
   */
  static WorkerProcess newWorker(Map<String, String> extraEnvironment, int httpPort) {
    Map<String, String> environment = new java.util.HashMap<>(extraEnvironment);
    environment.put("VMBACKUP_STATE_DIR", stateDir.toString());
    List<String> arguments = new ArrayList<>(List.of(
        "--temporal", server.address(), "--host", host, "--repository", repository.toString()));
    List<String> options = new ArrayList<>(workerOptions);
    int port = options.indexOf("--http-port");
    options.set(port + 1, Integer.toString(httpPort));
    arguments.addAll(options);
    return new WorkerProcess(arguments, environment, scratch.resolve("worker.log"));
  }

  /** Restarts the worker after {@link WorkerProcess#kill()}. */
  static void restartWorker() {
    worker.close();
    worker = newWorker().start(client, TaskQueues.host(host));
  }

  /** Runs {@code vmbackup <command> <arguments> --temporal ... --host ... --repository ...} and waits. */
  static CliResult cli(String... arguments) {
    Process process = startCli(arguments);
    try {
      if (!process.waitFor(15, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError("vmbackup " + String.join(" ", arguments) + " did not finish");
      }
      return result(process);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Starts the command line without waiting, for tests that interrupt what it started. */
  static Process startCli(String... arguments) {
    List<String> command = new ArrayList<>(Arrays.asList(arguments));
    command.addAll(List.of("--temporal", server.address(), "--host", host));
    if (!command.contains("--repository")) {
      command.addAll(List.of("--repository", repository.toString()));
    }
    try {
      return JavaProcess.vmbackup(command, Map.of("VMBACKUP_STATE_DIR", stateDir.toString())).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static CliResult result(Process process) {
    try {
      process.waitFor();
      return new CliResult(process.exitValue(),
          new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
          new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
