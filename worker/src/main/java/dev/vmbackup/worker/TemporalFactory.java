package dev.vmbackup.worker;

import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.image.ImageTool;
import dev.vmbackup.host.image.QemuImg;
import dev.vmbackup.host.libvirt.LibvirtHypervisor;
import dev.vmbackup.host.process.ProcessRunner;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import com.uber.m3.tally.RootScopeBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * There is no Micronaut integration for Temporal; this factory provides its objects as beans. The
 * {@link TemporalConnection} bean is the one the command line registers when it starts the context.
 */
@Factory
public class TemporalFactory {
  @Singleton
  @Bean(preDestroy = "shutdown")
  WorkflowServiceStubs serviceStubs(TemporalConnection connection, Optional<MeterRegistry> registry) {
    WorkflowServiceStubsOptions.Builder options = connection.stubsOptions();
    // The SDK reports through a tally scope; this one forwards to Micrometer, which the Prometheus
    // endpoint serves. Workflow code's own metrics (Workflow.getMetricsScope) go the same way.
    registry.ifPresent(meters -> options.setMetricsScope(new RootScopeBuilder()
        .reporter(new MicrometerClientStatsReporter(meters))
        .reportEvery(com.uber.m3.util.Duration.ofSeconds(10))));
    return WorkflowServiceStubs.newServiceStubs(options.build());
  }

  @Singleton
  WorkflowClient workflowClient(WorkflowServiceStubs stubs, TemporalConnection connection) {
    return connection.client(stubs);
  }

  @Singleton
  WorkerFactory workerFactory(WorkflowClient client) {
    return WorkerFactory.newInstance(client);
  }

  @Singleton
  @Bean(preDestroy = "close")
  LibvirtHypervisor hypervisor(WorkerConfig config) {
    return new LibvirtHypervisor(config.getLibvirtUri());
  }

  @Singleton
  ImageTool imageTool() {
    return new QemuImg(new ProcessRunner());
  }
}
