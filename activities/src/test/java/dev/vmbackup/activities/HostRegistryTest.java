package dev.vmbackup.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.workflows.HostRegistryWorkflow;
import dev.vmbackup.workflows.HostRegistryWorkflowImpl;
import dev.vmbackup.workflows.TaskQueues;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestWorkflowEnvironment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Workers register their hosts; the workflow worker's local activity reads them back for fleet globs. */
class HostRegistryTest {
  private TestWorkflowEnvironment environment;
  private WorkflowClient client;

  @BeforeEach
  void start() {
    environment = TestWorkflowEnvironment.newInstance();
    environment.newWorker(TaskQueues.WORKFLOWS).registerWorkflowImplementationTypes(HostRegistryWorkflowImpl.class);
    environment.start();
    client = environment.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    environment.close();
  }

  @Test
  void noRegistryYetMeansNoRegisteredHosts() {
    assertThat(new HostRegistry(client).registeredHosts()).isEmpty();
  }

  @Test
  void workersRegisterTheirHostsOnceEachAndAForgottenHostIsGone() {
    HostRegistry.register(client, "hv2");
    HostRegistry.register(client, "hv1");
    // A restarted worker registers again; the registry keeps one entry.
    HostRegistry.register(client, "hv2");
    // A signal is input like any other: what is not a host name is not registered.
    HostRegistry.register(client, "../etc");
    assertThat(new HostRegistry(client).registeredHosts()).containsExactly("hv1", "hv2");

    client.newWorkflowStub(HostRegistryWorkflow.class, HostRegistryWorkflow.WORKFLOW_ID).forget("hv2");
    assertThat(new HostRegistry(client).registeredHosts()).isEqualTo(List.of("hv1"));
  }
}
