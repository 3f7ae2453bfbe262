package dev.vmbackup.starter;

import dev.vmbackup.activities.HostSettings;
import dev.vmbackup.client.VmBackupClient;
import dev.vmbackup.host.image.QemuImg;
import dev.vmbackup.host.libvirt.LibvirtHypervisor;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.worker.TemporalConnection;
import dev.vmbackup.worker.WorkerAssembly;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The Temporal a command talks to: the address given, else a server on localhost:7233, else an
 * embedded one (the in-process test server plus an in-process worker) that lives as long as the
 * command, so that a host with nothing else installed can back up and restore.
 */
final class TemporalSession implements AutoCloseable {
  private static final String LOCAL_DEFAULT = TemporalConnection.DEFAULT_ADDRESS;

  private final VmBackupClient client;
  private final AutoCloseable resources;
  private final String description;

  private TemporalSession(VmBackupClient client, AutoCloseable resources, String description) {
    this.client = client;
    this.resources = resources;
    this.description = description;
  }

  /**
   * A session with a real Temporal server, for what only a server has (Schedules): the address given,
   * else localhost:7233; never the embedded one. Does not require a worker to be polling.
   */
  static TemporalSession openServer(GlobalOptions options) {
    return server(options, "policies are Temporal Schedules, which need a Temporal server (the embedded one has"
        + " none): start one (e.g. temporal server start-dev) and pass --temporal HOST:PORT", List.of());
  }

  /**
   * A session for the host registry: a real Temporal server, as for {@link #openServer} (an embedded one
   * would know no host but this one), with a worker on the workflow queue, since only a workflow worker
   * answers the registry's query; it is waited for as long as {@link #open} waits.
   */
  static TemporalSession openRegistry(GlobalOptions options) {
    return server(options, "the host registry is kept by the Temporal server that the workers use (an embedded"
        + " one knows no other host): pass its --temporal HOST:PORT",
        List.of(new Queue(TaskQueues.WORKFLOWS, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)));
  }

  /**
   * A session with the address given, else localhost:7233, never the embedded Temporal; {@code noServer} is
   * the message when there is neither. Requires a worker polling each of {@code queues}.
   */
  private static TemporalSession server(GlobalOptions options, String noServer, List<Queue> queues) {
    String address = options.temporalAddress();
    if (address == null) {
      if (!listening(LOCAL_DEFAULT)) {
        throw new UserError(noServer);
      }
      address = LOCAL_DEFAULT;
    }
    TemporalConnection connection = options.connection(address);
    WorkflowServiceStubs stubs = connection.connect();
    WorkflowClient workflowClient = connection.client(stubs);
    try {
      requirePollers(workflowClient, queues, connection.address());
    } catch (RuntimeException e) {
      stubs.shutdownNow();
      throw e;
    }
    return new TemporalSession(new VmBackupClient(workflowClient), stubs::shutdownNow, connection.describe());
  }

  /**
   * The demo's session: the address given, else always its own embedded Temporal, so that it works the
   * same on a fresh host and on one that runs a server without workers.
   */
  static TemporalSession openForDemo(GlobalOptions options) {
    String address = options.temporalAddress();
    return address != null ? remote(options.connection(address), options) : embedded(options);
  }

  static TemporalSession open(GlobalOptions options) {
    String address = options.temporalAddress();
    if (address == null && listening(LOCAL_DEFAULT)) {
      address = LOCAL_DEFAULT;
    }
    if (address != null) {
      return remote(options.connection(address), options);
    }
    return embedded(options);
  }

  VmBackupClient client() {
    return client;
  }

  String description() {
    return description;
  }

  private static TemporalSession remote(TemporalConnection connection, GlobalOptions options) {
    WorkflowServiceStubs stubs = connection.connect();
    WorkflowClient workflowClient = connection.client(stubs);
    try {
      requirePollers(workflowClient, List.of(
          new Queue(TaskQueues.WORKFLOWS, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
          new Queue(TaskQueues.host(options.effectiveHost()), TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)),
          connection.address());
    } catch (RuntimeException e) {
      stubs.shutdownNow();
      throw e;
    }
    return new TemporalSession(new VmBackupClient(workflowClient), stubs::shutdownNow, connection.describe());
  }

  /** How long a command waits for a worker that is still starting (it takes seconds) before it gives up. */
  static final Duration POLLER_WAIT = Duration.ofSeconds(10);
  private static final Duration POLLER_RECHECK = Duration.ofMillis(250);

  private record Queue(String name, TaskQueueType type) {}

  /**
   * Fails fast when nobody would pick the work up: without a worker a started workflow waits forever,
   * which on a command line looks like a hang. A worker that is starting has no pollers yet, so this
   * waits up to {@link #POLLER_WAIT} for one. The queues are asked in parallel, one round trip each.
   */
  private static void requirePollers(WorkflowClient client, List<Queue> queues, String address) {
    long giveUp = System.nanoTime() + POLLER_WAIT.toNanos();
    while (true) {
      Optional<Queue> idle = withoutPollers(client, queues);
      if (idle.isEmpty()) {
        return;
      }
      if (System.nanoTime() - giveUp > 0) {
        String queue = idle.get().name();
        throw new UserError("no worker polls task queue " + queue + " on Temporal at " + address
            + " (waited " + POLLER_WAIT.toSeconds() + " s); start one with: vmbackup worker --temporal " + address
            + (queue.startsWith("vmbackup-host-") ? " --host " + queue.substring("vmbackup-host-".length()) : ""));
      }
      try {
        Thread.sleep(POLLER_RECHECK.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UserError("interrupted while waiting for a worker");
      }
    }
  }

  /** The first of the queues that no worker polls, asking about all of them at once. */
  private static Optional<Queue> withoutPollers(WorkflowClient client, List<Queue> queues) {
    var stub = client.getWorkflowServiceStubs().futureStub().withDeadlineAfter(10, TimeUnit.SECONDS);
    List<Future<DescribeTaskQueueResponse>> answers = new ArrayList<>();
    for (Queue queue : queues) {
      answers.add(stub.describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
          .setNamespace(client.getOptions().getNamespace())
          .setTaskQueue(TaskQueue.newBuilder().setName(queue.name()))
          .setTaskQueueType(queue.type())
          .build()));
    }
    for (int i = 0; i < queues.size(); i++) {
      if (answer(answers.get(i)).getPollersCount() == 0) {
        answers.forEach(answer -> answer.cancel(true));
        return Optional.of(queues.get(i));
      }
    }
    return Optional.empty();
  }

  /** The call's answer, or its failure as the blocking stub would have thrown it. */
  private static <T> T answer(Future<T> call) {
    try {
      return call.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while asking Temporal for workers");
    }
  }

  private static TemporalSession embedded(GlobalOptions options) {
    TestWorkflowEnvironment environment = TestWorkflowEnvironment.newInstance(
        TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    LibvirtHypervisor hypervisor = new LibvirtHypervisor(options.libvirtUri());
    // The embedded worker serves this command only, whose user is root on this host already: it reads the
    // host's configuration (hooks, notifications, named repositories) and also accepts repository paths.
    HostSettings settings = new HostSettings(options.effectiveHost(), Path.of(options.stateDir()), options.libvirtUri(),
        0, 0, options.hostConfig().allowingRepositoryPaths("/"));
    WorkerAssembly.register(environment.getWorkerFactory(), environment.getWorkflowClient(), settings, hypervisor,
        new QemuImg(new ProcessRunner()), new WorkerAssembly.Roles(true, true, 4));
    environment.start();
    AutoCloseable close = () -> {
      environment.shutdown();
      environment.awaitTermination(30, TimeUnit.SECONDS);
      hypervisor.close();
    };
    return new TemporalSession(new VmBackupClient(environment.getWorkflowClient()), close,
        "an embedded Temporal");
  }

  private static boolean listening(String address) {
    String[] parts = address.split(":");
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(parts[0], Integer.parseInt(parts[1])), 300);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      resources.close();
    } catch (Exception e) {
      // Closing is best effort: the command's outcome is already decided.
    }
  }
}
