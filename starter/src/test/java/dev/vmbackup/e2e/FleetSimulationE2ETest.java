package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.testing.fleet.FleetReport;
import dev.vmbackup.testing.fleet.FleetSimulation;
import dev.vmbackup.testing.fleet.SimulatedDurations;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's fleet simulation at a size for the test suite: one fleet policy run over 10 simulated hosts
 * with 5 VMs each, on the real Temporal dev server, with every workflow and every host activity
 * implementation real and only the hosts' hypervisor and qemu-img simulated (no libvirt, no guests).
 * The per-host limit (2) and the fleet-wide limit (12, less than 10 hosts × 2, so that it is dealt
 * out unevenly) are checked against what the simulated hosts saw, not against what the workflows
 * report about themselves. Speed is not asserted here; bench/fleet-simulation.sh measures it.
 */
class FleetSimulationE2ETest {
  private static final int HOSTS = 10;
  private static final int VMS_PER_HOST = 5;
  private static final int PER_HOST = 2;
  private static final int FLEET = 12;

  @Test
  void everyVmIsBackedUpWithinTheLimitsAndEveryHistoryStaysSmall(@TempDir Path dir) throws Exception {
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(DevServer.get().address()).build());
    try {
      WorkflowClient client = WorkflowClient.newInstance(stubs);
      FleetReport report;
      try (FleetSimulation fleet = new FleetSimulation(client, new FleetSimulation.Options(
          HOSTS, VMS_PER_HOST, PER_HOST, FLEET, 2, SimulatedDurations.quick(), HOSTS * VMS_PER_HOST, true, dir))) {
        report = fleet.run(Duration.ofMinutes(5));
      }
      System.out.println(report.toMarkdown());

      assertThat(report.failures()).isEmpty();
      assertThat(report.vmStatuses()).hasSize(HOSTS * VMS_PER_HOST).containsOnly("ok");
      assertThat(report.completedBackups()).isEqualTo(HOSTS * VMS_PER_HOST);
      assertThat(report.leftInFlight()).isZero();
      // The fleet-wide count must show at least two backups overlapping (as many as one host may run),
      // or these upper bounds would hold trivially.
      assertThat(report.maxPerHost()).isBetween(1, PER_HOST);
      assertThat(report.maxFleet()).isBetween(PER_HOST, FLEET);
      assertThat(report.historiesRead()).containsEntry("BackupWorkflow", HOSTS * VMS_PER_HOST)
          .containsEntry("PruneWorkflow", HOSTS * VMS_PER_HOST).containsEntry("PlanWorkflow", HOSTS)
          .containsEntry("FleetPlanWorkflow", 1);
      assertThat(report.largestEvents()).isLessThan(10_240);
      assertThat(report.scheduleToStart()).isNotEmpty();
    } finally {
      stubs.shutdownNow();
    }
  }
}
