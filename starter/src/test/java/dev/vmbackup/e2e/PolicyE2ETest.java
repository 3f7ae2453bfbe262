package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vmbackup.client.PolicyService;
import dev.vmbackup.client.PolicyService.PolicyStatus;
import dev.vmbackup.testing.TestGuest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A policy on the real Temporal dev server: its Schedule runs the plan workflow, skips overlapping
 * runs, pauses, resumes, triggers, prunes, runs the hooks the host configuration names, notifies its
 * webhook, and is deleted.
 */
@WorkerOptions({"--copy-bandwidth", "4"})
class PolicyE2ETest extends EndToEndTest {
  @Test
  void aShortIntervalPolicyRunsSkipsOverlapsPausesResumesPrunesAndNotifies() throws Exception {
    List<String> webhook = new CopyOnWriteArrayList<>();
    List<String> headers = new CopyOnWriteArrayList<>();
    // The host configuration's notification test-webhook posts here.
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", webhookPort), 0);
    http.createContext("/hook", exchange -> {
      headers.add(String.valueOf(exchange.getRequestHeaders().getFirst("X-Vmbackup-Test")));
      webhook.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    http.start();
    String name = "p" + host.substring(4);
    try (TestGuest one = TestGuest.builder("pol1")
            .disk(dev.vmbackup.host.guest.TinyGuest.Disk.qcow2("vda").withBallast(16)).create();
        TestGuest two = TestGuest.builder("pol2").create()) {
      // Written by the configuration's hook record-phase.
      Path hookLog = scratch.resolve("hooks.log");
      Path policyFile = scratch.resolve("policy.yaml");
      Files.writeString(policyFile, String.join("\n",
          "name: " + name,
          "domains: [" + one.name() + ", " + two.name() + "]",
          "host: " + host,
          "repository: e2e",
          "capture: crash",
          "schedule: {every: 3s}",
          "retention: {keepLast: 2}",
          "maxConcurrentPerHost: 1",
          "hooks: {preSnapshot: record-phase, postSnapshot: record-phase}",
          "notification: {name: test-webhook, onSuccess: true}",
          ""));

      CliResult create = cli("policy", "create", "--file", policyFile.toString());
      assertThat(create.exitCode()).as(create.toString()).isZero();
      PolicyService policies = new PolicyService(client);

      // Each run backs up two VMs one after the other, longer than the 3 s interval: runs overlap and skip.
      Awaits.until("three runs and a skipped overlap", Duration.ofMinutes(4), () -> {
        PolicyStatus status = policies.status(name);
        return status.runs() >= 3 && status.skippedOverlaps() >= 1 && webhook.size() >= 2;
      });
      assertThat(cli("policy", "list").stdout()).contains(name).contains("active");

      CliResult pause = cli("policy", "pause", name);
      assertThat(pause.exitCode()).as(pause.toString()).isZero();
      assertThat(policies.status(name).paused()).isTrue();
      long runsWhenPaused = policies.status(name).runs();
      // While paused, intervals pass without runs.
      DevServer.sleep(7_000);
      assertThat(policies.status(name).runs()).isEqualTo(runsWhenPaused);

      assertThat(cli("policy", "trigger", name).exitCode()).isZero();
      Awaits.until("the triggered run", () -> policies.status(name).runs() > runsWhenPaused);
      assertThat(cli("policy", "resume", name).exitCode()).isZero();
      assertThat(policies.status(name).paused()).isFalse();
      Awaits.until("runs go on after resuming", Duration.ofMinutes(3),
          () -> policies.status(name).runs() >= runsWhenPaused + 2);

      // Pause, let the run in progress finish (with its pruning), then look at what the runs left.
      assertThat(cli("policy", "pause", name).exitCode()).isZero();
      Awaits.until("the run in progress has finished", Duration.ofMinutes(3),
          () -> policies.status(name).running() == 0);
      assertThat(cli("policy", "delete", name).exitCode()).isZero();
      assertThat(cli("policy", "list").stdout()).doesNotContain(name);

      // Retention kept at most two backups of each VM, and those verify.
      for (TestGuest guest : List.of(one, two)) {
        try (var backups = Files.list(repository.resolve(guest.name()))) {
          List<Path> kept = backups.filter(Files::isDirectory).toList();
          assertThat(kept).hasSizeBetween(1, 2);
          for (Path backup : kept) {
            assertThat(cli("verify", guest.name(), backup.getFileName().toString()).exitCode()).isZero();
          }
        }
        Invariants.assertVmClean(guest, "running");
      }
      String hooks = Files.readString(hookLog);
      // The hooks ran with the environment the configuration gives them.
      assertThat(hooks).contains(one.name() + " pre-snapshot from-config")
          .contains(one.name() + " post-snapshot from-config")
          .contains(two.name() + " pre-snapshot from-config").contains(two.name() + " post-snapshot from-config");
      assertThat(webhook.get(0)).contains("\"policy\" : \"" + name + "\"").contains(one.name());
      // The header came from the notification's headersFile.
      assertThat(headers).first().isEqualTo("e2e-secret");
    } finally {
      http.stop(0);
      cli("policy", "delete", name);
    }
  }

  @Test
  void policiesNeedARealServerAndAValidDefinition() throws Exception {
    CliResult invalid = cli("policy", "create", "bad", "--domain", "a", "--glob", "b*", "--every", "1h");
    assertThat(invalid.exitCode()).isEqualTo(1);
    assertThat(invalid.stderr().strip()).isEqualTo("vmbackup: policy bad: give either domains or domainGlob");

    CliResult noSchedule = cli("policy", "create", "bad", "--domain", "a");
    assertThat(noSchedule.exitCode()).isEqualTo(1);
    assertThat(noSchedule.stderr()).contains("needs a schedule");

    // Hooks and notifications are names of the host configuration: a command or a URL is refused.
    CliResult argv = cli("policy", "create", "bad", "--domain", "a", "--every", "1h",
        "--pre-snapshot", "/usr/bin/touch /tmp/x");
    assertThat(argv.exitCode()).isEqualTo(1);
    assertThat(argv.stderr().strip()).isEqualTo("vmbackup: hooks are named in the host configuration;"
        + " '/usr/bin/touch /tmp/x' is not a hook name (letters, digits and . _ + - only)");
    Path webhookPolicy = scratch.resolve("webhook-policy.yaml");
    java.nio.file.Files.writeString(webhookPolicy, "name: bad\ndomains: [a]\nschedule: {every: 1h}\n"
        + "notification: {webhook: 'http://169.254.169.254/latest', onSuccess: true}\n");
    CliResult url = cli("policy", "create", "--file", webhookPolicy.toString());
    assertThat(url.exitCode()).isEqualTo(1);
    assertThat(url.stderr().strip()).isEqualTo("vmbackup: notifications are named in the host configuration;"
        + " 'http://169.254.169.254/latest' is not a notification name (give name: NAME, not webhook or command)");

    CliResult unknown = cli("policy", "pause", "no-such-policy");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.stderr().strip()).isEqualTo("vmbackup: no policy no-such-policy");
  }
}
