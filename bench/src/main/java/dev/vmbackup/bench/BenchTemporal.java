package dev.vmbackup.bench;

import dev.vmbackup.activities.HostSettings;
import dev.vmbackup.client.VmBackupClient;
import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.host.image.QemuImg;
import dev.vmbackup.host.libvirt.LibvirtHypervisor;
import dev.vmbackup.worker.WorkerAssembly;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real Temporal server (the CLI's dev server, built by scripts/install-temporal-cli.sh) and an
 * in-process worker for host {@code bench}, as a host would run them.
 */
final class BenchTemporal implements AutoCloseable {
  static final String HOST = "bench";
  /** The name of the store repository of the bench host (a local directory, not encrypted). */
  static final String STORE = "store";

  private final Process server;
  private final WorkflowServiceStubs stubs;
  private final WorkerFactory workers;
  private final LibvirtHypervisor hypervisor;
  final WorkflowClient client;
  final VmBackupClient vmbackup;
  final Path repository;
  /** The directory of the store repository {@link #STORE}. */
  final Path store;
  /** The bench host's settings, with its configuration of repositories. */
  final HostSettings settings;

  BenchTemporal(Path dir, int maxConcurrentHostActivities) {
    try {
      int port = freePort();
      server = new ProcessBuilder(List.of(
              System.getenv().getOrDefault("VMBACKUP_TEMPORAL_CLI", "/var/cache/vmbackup/bin/temporal"),
              "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", Integer.toString(port),
              "--db-filename", dir.resolve("temporal.db").toString(), "--log-level", "error"))
          .redirectErrorStream(true).redirectOutput(dir.resolve("temporal.log").toFile()).start();
      stubs = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
      awaitServer();
      client = WorkflowClient.newInstance(stubs);
      repository = dir.resolve("repository");
      hypervisor = new LibvirtHypervisor(HostSettings.libvirtUri(null));
      workers = WorkerFactory.newInstance(client);
      store = dir.resolve("store");
      // The default repository of kind files, any directory as a repository (as the embedded worker
      // allows), and the store repository STORE with its own staging directory.
      Map<String, HostConfig.Repository> repositories = new LinkedHashMap<>();
      repositories.put(HostConfig.DEFAULT_REPOSITORY, new HostConfig.Repository(null, repository.toString()));
      repositories.put(STORE, new HostConfig.Repository(HostConfig.Repository.STORE, store.toString(),
          dir.resolve("staging").toString(), null, null, null, null));
      HostConfig config = new HostConfig(repositories, HostConfig.DEFAULT_REPOSITORY, List.of("/"), null, null, null);
      settings = new HostSettings(HOST, dir.resolve("state"), HostSettings.libvirtUri(null), 0, 0, config);
      try (var stores = WorkerAssembly.stores(settings)) {
        stores.init(STORE);
      }
      WorkerAssembly.register(workers, client, settings, hypervisor,
          new QemuImg(BenchHost.RUNNER), new WorkerAssembly.Roles(true, true, maxConcurrentHostActivities));
      workers.start();
      vmbackup = new VmBackupClient(client);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitServer() {
    try {
      awaitServer(stubs, server);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits up to two minutes for a dev server process to answer; fails at once if it exits. */
  static void awaitServer(WorkflowServiceStubs stubs, Process server) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (true) {
      try {
        stubs.blockingStub().withDeadlineAfter(2, TimeUnit.SECONDS).getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
        return;
      } catch (RuntimeException notYet) {
        if (Instant.now().isAfter(deadline) || !server.isAlive()) {
          throw new IllegalStateException("the Temporal dev server did not start", notYet);
        }
        Thread.sleep(300);
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    workers.shutdown();
    workers.awaitTermination(30, TimeUnit.SECONDS);
    hypervisor.close();
    stubs.shutdownNow();
    server.destroy();
  }
}
