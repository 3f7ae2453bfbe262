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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
  /** The host configuration file of the test's worker and command line: see {@link #writeHostConfig()}. */
  static Path hostConfig;
  /** Where the configuration's notification {@code test-webhook} posts: {@code http://127.0.0.1:PORT/hook}. */
  static int webhookPort;
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
    webhookPort = DevServer.freePort();
    hostConfig = writeHostConfig();
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
    keepWorkerLog();
    TestHost.deleteRecursively(scratch);
  }

  /** Keeps the worker's log beside the surefire reports, so that a failed run can be read afterwards. */
  private static void keepWorkerLog() {
    Path log = scratch.resolve("worker.log");
    if (Files.exists(log)) {
      try {
        Path kept = Path.of("target", "worker-logs").toAbsolutePath();
        Files.createDirectories(kept);
        Files.copy(log, kept.resolve(scratch.getFileName() + ".log"), StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        System.err.println("could not keep the worker log: " + e.getMessage());
      }
    }
  }

  /**
   * The test host's configuration: the scratch repository as {@code e2e} (the default), repository paths
   * allowed under the scratch directory (so that the tests can name the repositories they make as they
   * go, such as a full or read-only one, by path), hooks that leave traces in the scratch directory, and
   * notifications: the webhook {@code test-webhook} (with a header from a file) and the command
   * {@code test-command}.
   */
  private static Path writeHostConfig() {
    Path file = scratch.resolve("vmbackup.yaml");
    Path headers = scratch.resolve("webhook-headers");
    String hookLog = scratch.resolve("hooks.log").toString();
    try {
      java.nio.file.Files.writeString(headers, "# sent with every POST of test-webhook\nX-Vmbackup-Test: e2e-secret\n");
      java.nio.file.Files.writeString(file, String.join("\n",
          "repositories:",
          "  e2e: {path: '" + repository + "'}",
          "defaultRepository: e2e",
          "allowRepositoryPaths: ['" + scratch + "']",
          "hooks:",
          "  record-phase:",
          "    command: [/bin/sh, -c, 'echo \"$VMBACKUP_DOMAIN $VMBACKUP_PHASE $HOOK_NOTE\" >> \"$HOOK_LOG\"']",
          "    timeoutSeconds: 60",
          "    environment: {HOOK_LOG: '" + hookLog + "', HOOK_NOTE: from-config}",
          "  touch-marker:",
          "    command: [/usr/bin/touch, '" + scratch.resolve("named-hook-marker") + "']",
          "notifications:",
          "  test-webhook:",
          "    webhook: 'http://127.0.0.1:" + webhookPort + "/hook'",
          "    headersFile: '" + headers + "'",
          "  test-command:",
          "    command: [/bin/sh, -c, 'cp \"$VMBACKUP_RESULT_FILE\" \"$0\"', '" + scratch.resolve("notified.json") + "']",
          ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
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
        "--temporal", server.address(), "--host", host, "--config", hostConfig.toString()));
    List<String> options = new ArrayList<>(workerOptions);
    int port = options.indexOf("--http-port");
    options.set(port + 1, Integer.toString(httpPort));
    arguments.addAll(options);
    return new WorkerProcess(arguments, environment, scratch.resolve("worker.log"));
  }

  /**
   * A started worker of another host on this machine, for host actions only (the class's worker runs the
   * workflows), with the class's host configuration plus {@code extraConfig} (YAML lines, such as
   * {@code managedDomains}), and no HTTP port. It registers its host, as every worker does.
   */
  static WorkerProcess otherHostWorker(String hostName, String extraConfig) throws IOException {
    Path config = scratch.resolve(hostName + ".yaml");
    Files.writeString(config, Files.readString(hostConfig) + extraConfig);
    WorkerProcess other = new WorkerProcess(List.of("--temporal", server.address(), "--host", hostName,
        "--config", config.toString(), "--no-workflows", "--http-port", "-1"),
        Map.of("VMBACKUP_STATE_DIR", stateDir.toString()), scratch.resolve("worker-" + hostName + ".log"));
    return other.start(client, TaskQueues.host(hostName));
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
    return startCliOn(host, arguments);
  }

  /** Starts the command line for a VM of another host ({@code --host hostName}) without waiting. */
  static Process startCliOn(String hostName, String... arguments) {
    List<String> command = new ArrayList<>(Arrays.asList(arguments));
    command.addAll(List.of("--temporal", server.address(), "--host", hostName));
    if (!command.contains("--repository")) {
      command.addAll(List.of("--repository", repository.toString()));
    }
    try {
      return JavaProcess.vmbackup(command, Map.of("VMBACKUP_STATE_DIR", stateDir.toString(),
          "VMBACKUP_CONFIG", hostConfig.toString())).start();
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
