package dev.vmbackup.worker;

import dev.vmbackup.activities.BackupDirectoryActivitiesImpl;
import dev.vmbackup.activities.BackupJobActivitiesImpl;
import dev.vmbackup.activities.ChainActivitiesImpl;
import dev.vmbackup.activities.CheckpointActivitiesImpl;
import dev.vmbackup.activities.DomainLockActivitiesImpl;
import dev.vmbackup.activities.HookActivitiesImpl;
import dev.vmbackup.activities.HostDefaultsActivitiesImpl;
import dev.vmbackup.activities.HostRegistry;
import dev.vmbackup.activities.HostSettings;
import dev.vmbackup.activities.InspectActivitiesImpl;
import dev.vmbackup.activities.MergeActivitiesImpl;
import dev.vmbackup.activities.OverlayMerger;
import dev.vmbackup.activities.PolicyActivitiesImpl;
import dev.vmbackup.activities.PruneActivitiesImpl;
import dev.vmbackup.activities.RestoreActivitiesImpl;
import dev.vmbackup.activities.RepositoryCopyActivitiesImpl;
import dev.vmbackup.activities.SavedStateActivitiesImpl;
import dev.vmbackup.activities.StoreActivitiesImpl;
import dev.vmbackup.activities.StoreMaintenanceActivitiesImpl;
import dev.vmbackup.activities.SnapshotActivitiesImpl;
import dev.vmbackup.activities.TemporalWorkflowStatusLookup;
import dev.vmbackup.activities.VerifyActivitiesImpl;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.image.BackupImages;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.host.repository.FileRepositories;
import dev.vmbackup.host.repository.ConfiguredStores;
import dev.vmbackup.host.repository.RepositoryResolver;
import dev.vmbackup.host.repository.Stores;
import dev.vmbackup.host.repository.SparseCopier;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.WorkflowTypes;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import io.temporal.worker.WorkflowImplementationOptions;

/**
 * Registers vmbackup's workflows and host activities on a {@link WorkerFactory}. Plain Java, so that
 * the Micronaut worker and the command line's embedded mode wire exactly the same things.
 */
public final class WorkerAssembly {
  private WorkerAssembly() {}

  /**
   * What a worker process runs.
   *
   * @param workflows poll the shared workflow queue
   * @param hostActivities poll this host's queue and run host actions here
   * @param maxConcurrentHostActivities how many host actions (copies, merges, ...) run at once
   */
  public record Roles(boolean workflows, boolean hostActivities, int maxConcurrentHostActivities) {}

  /**
   * How this host opens its repositories: the one place that chooses the implementation of the
   * repository port, for the activities and for the command line's and the API's repository commands
   * alike. Another kind of repository is a new {@link RepositoryResolver} and this line.
   */
  public static RepositoryResolver repositories() {
    return new FileRepositories();
  }

  /**
   * The stores this host configured ({@code kind: store}), for the store steps and the command line's
   * store commands alike: the one place that opens them.
   */
  public static Stores stores(HostSettings settings) {
    return stores(settings.config());
  }

  /** The stores of a host configuration, for the command line's store commands, which have no worker settings. */
  public static Stores stores(dev.vmbackup.host.config.HostConfig config) {
    return new ConfiguredStores(config);
  }

  public static void register(
      WorkerFactory factory, WorkflowClient client, HostSettings settings, Hypervisor hypervisor, ImageTool images,
      Roles roles) {
    if (roles.workflows()) {
      Worker worker = factory.newWorker(TaskQueues.WORKFLOWS);
      // A bug in workflow code fails the workflow (and its compensations still run from the activities'
      // side), instead of retrying the workflow task forever.
      WorkflowImplementationOptions options = WorkflowImplementationOptions.newBuilder()
          .setFailWorkflowExceptionTypes(IllegalArgumentException.class, NullPointerException.class)
          .build();
      worker.registerWorkflowImplementationTypes(options, WorkflowTypes.implementations());
      worker.registerActivitiesImplementations(new HostDefaultsActivitiesImpl(settings.host()), new HostRegistry(client));
    }
    if (roles.hostActivities()) {
      Worker worker = factory.newWorker(
          TaskQueues.host(settings.host()),
          WorkerOptions.newBuilder()
              .setMaxConcurrentActivityExecutionSize(roles.maxConcurrentHostActivities())
              .build());
      OverlayMerger merger = new OverlayMerger(hypervisor, images, settings.mergeBytesPerSecond());
      SparseCopier copier = new SparseCopier(settings.copyBytesPerSecond());
      RepositoryResolver repositories = repositories();
      Stores stores = stores(settings);
      worker.registerActivitiesImplementations(
          new DomainLockActivitiesImpl(settings, new TemporalWorkflowStatusLookup(client)),
          new InspectActivitiesImpl(settings, hypervisor, images, stores),
          new BackupDirectoryActivitiesImpl(repositories, hypervisor),
          new SnapshotActivitiesImpl(hypervisor, merger),
          new RepositoryCopyActivitiesImpl(repositories, hypervisor, images, copier),
          new MergeActivitiesImpl(merger),
          new VerifyActivitiesImpl(repositories, images),
          new RestoreActivitiesImpl(repositories, hypervisor, images, copier),
          new PruneActivitiesImpl(repositories, stores),
          new PolicyActivitiesImpl(settings, hypervisor, new ProcessRunner()),
          new HookActivitiesImpl(settings, new ProcessRunner()),
          new ChainActivitiesImpl(repositories, hypervisor, images, settings.mergeBytesPerSecond()),
          new SavedStateActivitiesImpl(hypervisor, images, copier, settings.mergeBytesPerSecond()),
          new StoreActivitiesImpl(repositories, stores, images),
          new StoreMaintenanceActivitiesImpl(stores));
      // Incremental strategies: libvirt's backup job writes into the repository itself, so the copy
      // bandwidth limit applies to it.
      BackupImages backupImages = new BackupImages(new ProcessRunner());
      worker.registerActivitiesImplementations(
          new CheckpointActivitiesImpl(repositories, stores, settings, hypervisor, images, backupImages),
          new BackupJobActivitiesImpl(repositories, hypervisor, images, backupImages, settings.copyBytesPerSecond()));
      // The globs of fleet policies select the hosts that registered (HostRegistryWorkflow).
      HostRegistry.register(client, settings.host());
    }
  }
}
