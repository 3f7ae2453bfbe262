package dev.vmbackup.e2e;

import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@code vmbackup worker} process: started, killed with SIGKILL, restarted, as a host would see it. It
 * runs the current build (the test classpath) unless given the jar of another build.
 */
final class WorkerProcess implements AutoCloseable {
  private final Path jar;
  private final List<String> arguments;
  private final Map<String, String> environment;
  private final Path log;
  private Process process;

  WorkerProcess(List<String> arguments, Map<String, String> environment, Path log) {
    this(null, arguments, environment, log);
  }

  /** A worker of the build in {@code jar} (see scripts/build-commit-jar.sh); null for the current build. */
  WorkerProcess(Path jar, List<String> arguments, Map<String, String> environment, Path log) {
    this.jar = jar;
    this.arguments = List.copyOf(arguments);
    this.environment = Map.copyOf(environment);
    this.log = log;
  }

  /** Starts the worker and waits until it polls the host's task queue. */
  WorkerProcess start(WorkflowClient client, String hostQueue) {
    List<String> command = new ArrayList<>();
    command.add("worker");
    command.addAll(arguments);
    try {
      process = (jar == null ? JavaProcess.vmbackup(command, environment)
          : JavaProcess.vmbackupJar(jar, command, environment))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    awaitPolling(client, hostQueue);
    return this;
  }

  /** SIGKILL: the worker dies at once, mid-activity, without any cleanup. */
  void kill() {
    if (process != null) {
      process.destroyForcibly();
      waitFor();
    }
  }

  /**
   * SIGSTOP: the worker freezes where it is, mid-call, and reports nothing more (not even a heartbeat);
   * libvirtd goes on with what it was asked. {@link #kill()} then ends it.
   */
  void suspend() {
    dev.vmbackup.testing.Commands.ok("kill", "-STOP", Long.toString(process.pid()));
  }

  /** SIGCONT: a worker frozen by {@link #suspend()} goes on where it stopped. */
  void resume() {
    dev.vmbackup.testing.Commands.ok("kill", "-CONT", Long.toString(process.pid()));
  }

  /** The process id, which is the first part of the worker's Temporal identity ({@code pid@hostname}). */
  long pid() {
    return process.pid();
  }

  /** Whether {@code identity} (of a history event: the worker's {@code pid@hostname}) is this process's. */
  boolean hasIdentity(String identity) {
    return process != null && identity.startsWith(process.pid() + "@");
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  Path log() {
    return log;
  }

  /** SIGTERM, and waits until the worker has drained and exited. */
  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroy();
      waitFor();
    }
  }

  /**
   * SIGTERM, as an operator or systemd stops a worker: it stops polling, lets running activities finish
   * for a while (what is cut off is retried elsewhere) and exits. Returns whether it exited by itself
   * within {@code timeout}; if not, it is killed.
   */
  boolean terminate(Duration timeout) {
    if (process == null || !process.isAlive()) {
      return true;
    }
    process.destroy();
    try {
      if (process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    kill();
    return false;
  }

  private void waitFor() {
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A poller appears in DescribeTaskQueue once the worker polls. After a restart the old poller is
   * still listed for a while, so this waits for a poll newer than the start of this process.
   */
  private void awaitPolling(WorkflowClient client, String hostQueue) {
    Instant started = Instant.now();
    Instant deadline = started.plus(Duration.ofMinutes(2));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new AssertionError("worker exited with " + process.exitValue() + "; log:\n" + tail());
      }
      var response = client.getWorkflowServiceStubs().blockingStub().describeTaskQueue(
          DescribeTaskQueueRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setTaskQueue(TaskQueue.newBuilder().setName(hostQueue))
              .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
              .build());
      boolean fresh = response.getPollersList().stream()
          .anyMatch(poller -> poller.getLastAccessTime().getSeconds() >= started.getEpochSecond() - 1);
      if (fresh) {
        return;
      }
      DevServer.sleep(300);
    }
    throw new AssertionError("worker did not poll " + hostQueue + " in time; log:\n" + tail());
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
