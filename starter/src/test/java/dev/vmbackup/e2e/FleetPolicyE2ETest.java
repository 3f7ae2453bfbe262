package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.client.PolicyService;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.FleetPlanResult;
import dev.vmbackup.workflows.model.FleetPlanResult.HostOutcome;
import dev.vmbackup.workflows.model.PlanResult.VmOutcome;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A fleet policy on the real Temporal dev server over three hosts: two {@code vmbackup worker} processes
 * ({@code --host <class host>-a} and {@code -b}), each managing one test guest of this machine's libvirt
 * ({@code managedDomains} in its host configuration, since both share one libvirt), and a third host
 * without a worker. The policy's Schedule starts a fleet run, which backs up each guest on its own
 * host and reports the third host skipped.
 */
class FleetPolicyE2ETest extends EndToEndTest {
  @Test
  void aFleetPolicyBacksUpEachHostsVmAndSkipsTheHostWithoutAWorker() throws Exception {
    String hostA = host + "-a";
    String hostB = host + "-b";
    String hostDown = host + "-c";
    String name = "f" + host.substring(4);
    List<WorkerProcess> workers = new ArrayList<>();
    try (TestGuest one = TestGuest.builder("fleet1").create();
        TestGuest two = TestGuest.builder("fleet2").create()) {
      workers.add(hostWorker(hostA, one.name()));
      workers.add(hostWorker(hostB, two.name()));
      Path policyFile = scratch.resolve("fleet-policy.yaml");
      Files.writeString(policyFile, String.join("\n",
          "name: " + name,
          "domains: [" + one.name() + ", " + two.name() + "]",
          "hosts: [" + hostB + ", " + hostA + ", " + hostDown + "]",
          "repository: e2e",
          "capture: crash",
          "schedule: {every: 24h}",
          "maxConcurrentPerHost: 1",
          "maxConcurrent: 2",
          "startSpreadSeconds: 5",
          "inventorySeconds: 10",
          ""));
      CliResult create = cli("policy", "create", "--file", policyFile.toString());
      assertThat(create.exitCode()).as(create.toString()).isZero();
      PolicyService policies = new PolicyService(client);
      assertThat(cli("policy", "trigger", name).exitCode()).isZero();
      Awaits.until("the triggered fleet run has started", Duration.ofMinutes(1),
          () -> policies.status(name).runs() >= 1);

      FleetPlanResult result = client.newUntypedWorkflowStub(fleetRunId(name))
          .getResult(10, TimeUnit.MINUTES, FleetPlanResult.class);

      assertThat(result.hosts()).extracting(HostOutcome::host).containsExactly(hostA, hostB, hostDown);
      HostOutcome down = result.hosts().get(2);
      assertThat(down.status()).isEqualTo("skipped");
      assertThat(down.reason()).isEqualTo("no worker of host " + hostDown
          + " took the inventory within 10 s (is vmbackup worker running there?)");
      assertThat(down.plan()).isNull();
      // Each guest was backed up once, by the host that manages it, and nothing was missing.
      assertBackedUpBy(result.hosts().get(0), hostA, one);
      assertBackedUpBy(result.hosts().get(1), hostB, two);
      assertThat(result.domainsNotFound()).isEmpty();
      assertThat(result.unmatchedGlobs()).isEmpty();
      Invariants.assertNoPartialBackups(repository);
      for (TestGuest guest : List.of(one, two)) {
        Invariants.assertVmClean(guest, "running");
      }
    } finally {
      cli("policy", "delete", name);
      workers.forEach(WorkerProcess::close);
    }
  }

  /** The host's plan backed up its one guest, and the backup is in the repository and verifies. */
  private static void assertBackedUpBy(HostOutcome outcome, String expectedHost, TestGuest guest) {
    assertThat(outcome.status()).as(outcome.toString()).isEqualTo("ok");
    assertThat(outcome.plan().host()).isEqualTo(expectedHost);
    assertThat(outcome.plan().outcomes()).extracting(VmOutcome::domain).containsExactly(guest.name());
    VmOutcome backup = outcome.plan().outcomes().get(0);
    assertThat(backup.status()).isEqualTo("ok");
    assertThat(repository.resolve(guest.name()).resolve(backup.backupId())).isDirectory();
    CliResult verify = cli("verify", guest.name(), backup.backupId());
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
  }

  /**
   * A worker of another host on this machine, for host actions only (the class's worker runs the
   * workflows), with the class's host configuration plus {@code managedDomains}: the one guest it owns.
   */
  private static WorkerProcess hostWorker(String hostName, String domain) throws Exception {
    Path config = scratch.resolve(hostName + ".yaml");
    Files.writeString(config, Files.readString(hostConfig) + "managedDomains: '" + domain + "'\n");
    WorkerProcess worker = new WorkerProcess(List.of("--temporal", server.address(), "--host", hostName,
        "--config", config.toString(), "--no-workflows", "--http-port", Integer.toString(DevServer.freePort())),
        Map.of("VMBACKUP_STATE_DIR", stateDir.toString()), scratch.resolve("worker-" + hostName + ".log"));
    return worker.start(client, TaskQueues.host(hostName));
  }

  /** The workflow id of the fleet run the policy's Schedule started last. */
  private static String fleetRunId(String name) {
    ScheduleClient schedules = ScheduleClient.newInstance(client.getWorkflowServiceStubs(),
        ScheduleClientOptions.newBuilder().setNamespace(client.getOptions().getNamespace()).build());
    String[] id = new String[1];
    Awaits.until("the schedule lists the run it started", Duration.ofMinutes(1), () -> {
      var recent = schedules.getHandle(PolicyService.SCHEDULE_PREFIX + name).describe().getInfo().getRecentActions();
      if (recent.isEmpty()) {
        return false;
      }
      id[0] = ((ScheduleActionExecutionStartWorkflow) recent.get(recent.size() - 1).getAction()).getWorkflowId();
      return true;
    });
    assertThat(id[0]).startsWith("fleet-" + name);
    return id[0];
  }
}
