package dev.vmbackup.worker;

import dev.vmbackup.activities.SearchAttributesRegistry;
import dev.vmbackup.host.libvirt.LibvirtHypervisor;
import dev.vmbackup.host.image.ImageTool;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.WorkerFactory;
import jakarta.inject.Singleton;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the Temporal workers when the application starts and drains them when it stops. The HTTP
 * server ({@code vmbackup server}) shares the wiring but runs no worker ({@code vmbackup.worker.enabled=false}).
 */
@Singleton
@Requires(property = "vmbackup.worker.enabled", notEquals = "false")
public class WorkerLifecycle {
  private static final Logger log = LoggerFactory.getLogger(WorkerLifecycle.class);

  private final WorkerFactory factory;
  private final WorkflowClient client;
  private final WorkerConfig config;
  private final LibvirtHypervisor hypervisor;
  private final ImageTool images;
  private final TemporalConnection connection;

  public WorkerLifecycle(WorkerFactory factory, WorkflowClient client, WorkerConfig config, LibvirtHypervisor hypervisor,
      ImageTool images, TemporalConnection connection) {
    this.connection = connection;
    this.factory = factory;
    this.client = client;
    this.config = config;
    this.hypervisor = hypervisor;
    this.images = images;
  }

  @EventListener
  void onStartup(StartupEvent event) {
    SearchAttributesRegistry.register(client);
    WorkerAssembly.register(factory, client, config.hostSettings(), hypervisor, images,
        new WorkerAssembly.Roles(config.isRunWorkflows(), config.isRunHostActivities(),
            config.getMaxConcurrentHostActivities()));
    factory.start();
    log.info("vmbackup worker for host {} polling {} (workflows: {}, host actions: {})",
        config.effectiveHost(), connection.describe(), config.isRunWorkflows(), config.isRunHostActivities());
  }

  @EventListener
  void onShutdown(ShutdownEvent event) {
    factory.shutdown();
    // Running activities get a moment to finish; whatever is cut off is retried, idempotently, later.
    factory.awaitTermination(30, TimeUnit.SECONDS);
    log.info("vmbackup worker stopped");
  }
}
