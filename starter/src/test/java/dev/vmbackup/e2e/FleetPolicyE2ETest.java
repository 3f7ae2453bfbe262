package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.client.PolicyService;
import dev.vmbackup.testing.TestGuest;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A fleet policy on the real Temporal dev server over three hosts: two {@code vmbackup worker} processes
 * ({@code --host <class host>-a} and {@code -b}), each managing one test guest of this machine's libvirt
 * ({@code managedDomains} in its host configuration, since both share one libvirt), and a third host
 * without a worker. The policy's Schedule starts a fleet run, which backs up each guest on its own
 * host and reports the third host skipped. And the host registry the globs match, through
 * {@code vmbackup host list} and {@code host forget}.
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
      workers.add(otherHostWorker(hostA, managing(one)));
      workers.add(otherHostWorker(hostB, managing(two)));
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

  /**
   * The host registry that fleet globs match, on the command line: a worker's host is listed once it
   * started, {@code host forget} removes it (and only it), and a host that is not registered or a name
   * that is not a host name is refused with one line.
   */
  @Test
  void hostListShowsAWorkersHostUntilHostForgetRemovesIt() throws Exception {
    String registered = host + "-r";
    try (WorkerProcess registering = otherHostWorker(registered, "")) {
      CliResult list = cli("host", "list");
      assertThat(list.exitCode()).as(list.toString()).isZero();
      assertThat(list.stdout().lines()).contains(registered, host);
      CliResult json = cli("host", "list", "--json");
      assertThat(json.exitCode()).as(json.toString()).isZero();
      assertThat(json.json().path("hosts")).extracting(node -> node.asText()).contains(registered, host);

      CliResult forget = cli("host", "forget", registered);

      assertThat(forget.exitCode()).as(forget.toString()).isZero();
      assertThat(forget.stdout().strip())
          .isEqualTo("host " + registered + " forgotten: fleet policies' globs no longer select it");
      CliResult after = cli("host", "list");
      assertThat(after.exitCode()).as(after.toString()).isZero();
      assertThat(after.stdout().lines()).doesNotContain(registered).contains(host);

      CliResult unknown = cli("host", "forget", registered);
      assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(1);
      assertThat(unknown.stdout()).isEmpty();
      assertThat(unknown.stderr().strip())
          .isEqualTo("vmbackup: host " + registered + " is not registered (vmbackup host list shows those that are)");

      long workflowsBefore = Workflows.count(client);
      CliResult bad = cli("host", "forget", "../x");
      assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(1);
      assertThat(bad.stdout()).isEmpty();
      assertThat(bad.stderr().strip()).isEqualTo("vmbackup: host '../x' is not allowed: use letters, digits and . _ - only");
      assertThat(Workflows.count(client)).as("workflows started by a refused name").isEqualTo(workflowsBefore);
      assertThat(cli("host", "list").stdout().lines()).as("hosts after a refused name").contains(host);
    }
  }

  /** The host configuration line by which a host of this machine's shared libvirt owns one guest. */
  private static String managing(TestGuest guest) {
    return "managedDomains: '" + guest.name() + "'\n";
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
