package dev.vmbackup.testing.fleet;

import dev.vmbackup.activities.HostSettings;
import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.FleetPlanWorkflow;
import dev.vmbackup.workflows.PruneWorkflow;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.FleetPlanResult;
import dev.vmbackup.workflows.model.RetentionPolicy;
import dev.vmbackup.worker.WorkerAssembly;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A fleet of simulated hosts in one JVM, and one run of a fleet policy over it. Everything Temporal
 * and vmbackup do is real: the workflows (FleetPlan, Plan, Backup, Prune), their scheduling on the real
 * server, the worker registration ({@link WorkerAssembly#register}), every host activity implementation,
 * the file repository and the copier. Only the host's ports are simulated: {@link SimulatedHypervisor}
 * and {@link SimulatedImageTool}, with the {@link SimulatedDurations}. Each host has its own task queue,
 * settings, repository and state directory below {@link Options#dir()}; one more registration is the
 * workflow worker.
 */
public final class FleetSimulation implements AutoCloseable {
  /**
   * What to simulate.
   *
   * @param hosts number of simulated hosts, {@code sim-h00} on
   * @param vmsPerHost VMs on each host, all selected by the policy's glob
   * @param maxConcurrentPerHost the policy's per-host limit
   * @param maxConcurrent the policy's fleet-wide limit, or null for none
   * @param startSpreadSeconds the policy's start spread, 0 for none
   * @param historySample how many VMs' backup and prune histories to analyse, spread over the fleet
   * @param retention give the policy a retention, so that each plan prunes every VM after its backups
   * @param dir scratch directory (images, repositories, worker state); best on tmpfs
   */
  public record Options(int hosts, int vmsPerHost, int maxConcurrentPerHost, Integer maxConcurrent,
      int startSpreadSeconds, SimulatedDurations durations, int historySample, boolean retention, Path dir) {}

  /** The real worker's default (WorkerConfig): host actions at once per host worker. */
  private static final int HOST_ACTIVITY_SLOTS = 4;

  private final WorkflowClient client;
  private final Options options;
  private final ConcurrencyRecorder recorder = new ConcurrencyRecorder();
  private final WorkerFactory factory;
  private final String policyName;

  public FleetSimulation(WorkflowClient client, Options options) {
    this.client = client;
    this.options = options;
    this.policyName = "sim-" + Long.toString(System.currentTimeMillis(), 36);
    // Each open workflow holds a cached execution and threads (its main thread and one per child it
    // waits on asynchronously). A run keeps the fleet run, every host's plan and up to the limits'
    // backups open at once; the SDK's defaults (600 of each) would evict and replay workflows at 50
    // hosts, a cost of the worker's sizing rather than of the workflows. A real workflow worker for a
    // fleet is sized the same way.
    int open = 1 + options.hosts() * (1 + 2 * options.maxConcurrentPerHost());
    int cache = Math.max(600, 4 * open);
    this.factory = WorkerFactory.newInstance(client, WorkerFactoryOptions.newBuilder()
        .setWorkflowCacheSize(cache).setMaxWorkflowThreadCount(cache).build());
    byte[] data = new byte[SimulatedDurations.DATA_BYTES];
    new Random(15).nextBytes(data);
    for (int h = 0; h < options.hosts(); h++) {
      String host = host(h);
      Path hostDir = options.dir().resolve(host);
      Path repository = hostDir.resolve("repository");
      SimulatedHypervisor hypervisor = new SimulatedHypervisor(host, options.durations(), recorder);
      for (int v = 0; v < options.vmsPerHost(); v++) {
        String vm = String.format("vm-%s-%02d", host.substring(4), v);
        // Named .qcow2, so that the simulated qemu-img calls them qcow2 and verification checks them, as
        // it checks a real host's usual images; the bytes are raw, which only the simulation reads.
        hypervisor.addVm(vm, image(hostDir.resolve("images").resolve(vm + ".qcow2"), data));
      }
      HostSettings settings = new HostSettings(host, hostDir.resolve("state"), "simulated:///" + host,
          options.durations().copyBytesPerSecond(), 0,
          HostConfig.defaults(repository).allowingRepositoryPaths("/"));
      // The first host's registration also runs the workflow worker, as a host running both roles does.
      WorkerAssembly.register(factory, client, settings, hypervisor,
          new SimulatedImageTool(host, repository, options.durations(), recorder),
          new WorkerAssembly.Roles(h == 0, true, HOST_ACTIVITY_SLOTS));
    }
    factory.start();
  }

  /** The recorder of backups in flight, shared by every simulated host. */
  public ConcurrencyRecorder recorder() {
    return recorder;
  }

  /** The fleet policy that {@link #run} starts. */
  public BackupPolicy policy() {
    List<String> hosts = new ArrayList<>();
    for (int h = 0; h < options.hosts(); h++) {
      hosts.add(host(h));
    }
    // Retention makes every plan run its prune children, as a scheduled policy does; keepLast 3 deletes
    // nothing in a single run.
    RetentionPolicy retention = options.retention() ? new RetentionPolicy(3, null, null, null, null, null) : null;
    return new BackupPolicy(policyName, List.of(), "vm-*", null, null, null, null, null, retention,
        options.maxConcurrentPerHost(), null, null, null, null,
        hosts, options.maxConcurrent(), options.startSpreadSeconds() > 0 ? options.startSpreadSeconds() : null, 30);
  }

  /**
   * Runs one fleet run to its end and analyses it.
   *
   * @param timeout how long to wait for the run's result
   */
  public FleetReport run(Duration timeout) throws TimeoutException {
    BackupPolicy policy = policy();
    String id = FleetPlanWorkflow.workflowId(policy.name());
    FleetPlanWorkflow fleet = client.newWorkflowStub(FleetPlanWorkflow.class,
        WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.WORKFLOWS).setWorkflowId(id).build());
    long started = System.nanoTime();
    WorkflowClient.start(fleet::run, policy);
    FleetPlanResult result = WorkflowStub.fromTyped(fleet).getResult(timeout.toMillis(), TimeUnit.MILLISECONDS,
        FleetPlanResult.class);
    long wall = (System.nanoTime() - started) / 1_000_000;

    HistoryStats histories = new HistoryStats(client);
    histories.add("FleetPlanWorkflow", id);
    for (int h = 0; h < options.hosts(); h++) {
      histories.add("PlanWorkflow", FleetPlanWorkflow.hostPlanId(policy.name(), host(h)));
    }
    int vms = options.hosts() * options.vmsPerHost();
    int sample = Math.min(vms, options.historySample());
    for (int i = 0; i < sample; i++) {
      int index = (int) ((long) i * vms / sample);
      String host = host(index / options.vmsPerHost());
      String vm = String.format("vm-%s-%02d", host.substring(4), index % options.vmsPerHost());
      histories.add("BackupWorkflow", BackupWorkflow.workflowId(host, vm));
      if (options.retention()) {
        histories.add("PruneWorkflow", PruneWorkflow.workflowId(host, vm));
      }
    }
    return FleetReport.of(options, result, wall, histories, recorder);
  }

  static String host(int index) {
    return String.format("sim-h%02d", index);
  }

  /** A sparse image: real data at the start, a hole up to the disk's logical size. */
  private Path image(Path file, byte[] data) {
    try {
      Files.createDirectories(file.getParent());
      try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
        out.write(data);
        out.setLength(options.durations().diskBytes());
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    factory.shutdown();
    factory.awaitTermination(30, TimeUnit.SECONDS);
  }
}
