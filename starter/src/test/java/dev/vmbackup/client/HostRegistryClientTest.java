package dev.vmbackup.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmbackup.activities.HostRegistry;
import dev.vmbackup.workflows.HostRegistryWorkflowImpl;
import dev.vmbackup.workflows.TaskQueues;
import io.temporal.testing.TestWorkflowEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@code vmbackup host list} and {@code host forget} ask of the client: the registry's hosts, and forgetting one. */
class HostRegistryClientTest {
  private TestWorkflowEnvironment environment;
  private VmBackupClient vmbackup;

  @BeforeEach
  void start() {
    environment = TestWorkflowEnvironment.newInstance();
    environment.newWorker(TaskQueues.WORKFLOWS).registerWorkflowImplementationTypes(HostRegistryWorkflowImpl.class);
    environment.start();
    vmbackup = new VmBackupClient(environment.getWorkflowClient());
  }

  @AfterEach
  void stop() {
    environment.close();
  }

  @Test
  void beforeAnyWorkerRegisteredThereAreNoHostsAndNothingToForget() {
    assertThat(vmbackup.registeredHosts()).isEmpty();
    assertThat(vmbackup.forgetHost("hv1")).isFalse();
  }

  @Test
  void aForgottenHostIsGoneAndTheOthersStay() {
    HostRegistry.register(environment.getWorkflowClient(), "hv2");
    HostRegistry.register(environment.getWorkflowClient(), "hv1");

    assertThat(vmbackup.forgetHost("hv3")).isFalse();
    assertThat(vmbackup.registeredHosts()).containsExactly("hv1", "hv2");
    assertThat(vmbackup.forgetHost("hv2")).isTrue();
    assertThat(vmbackup.registeredHosts()).containsExactly("hv1");
  }

  @Test
  void aBadHostNameIsRefused() {
    assertThatThrownBy(() -> vmbackup.forgetHost("../x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("host '../x' is not allowed: use letters, digits and . _ - only");
  }
}
