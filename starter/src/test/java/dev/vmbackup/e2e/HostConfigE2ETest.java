package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import dev.vmbackup.client.VmBackupClient;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.PlanWorkflow;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.BackupRequest;
import dev.vmbackup.workflows.model.BackupResult;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Hooks;
import dev.vmbackup.workflows.model.Notify;
import dev.vmbackup.workflows.model.Strategy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Each host decides what a request may use: workflows started straight on the dev server (as anyone who
 * can reach Temporal could) name hooks, notifications and repositories, and the real worker, with the
 * host configuration {@link EndToEndTest} writes, runs what it defines and refuses the rest with
 * {@code INVALID_INPUT} before anything runs.
 */
class HostConfigE2ETest extends EndToEndTest {
  @Test
  void aRawCommandInTheHooksIsNeverRun() throws Exception {
    Path marker = scratch.resolve("raw-command-marker");
    try (TestGuest guest = TestGuest.builder("hcraw").create()) {
      // As a client that sends an argument list (the old form of hooks), bypassing every client-side check.
      Map<String, Object> input = Map.of("domain", guest.name(), "host", host, "capture", "crash",
          "hooks", Map.of("preSnapshot", List.of("/usr/bin/touch", marker.toString()), "continueOnFailure", true));
      WorkflowClient raw = client;
      var stub = raw.newUntypedWorkflowStub("BackupWorkflow", options(guest.name()));
      stub.start(input);
      ApplicationFailure argv = failure(catchThrowable(() -> stub.getResult(BackupResult.class)));

      assertThat(argv.getType()).isEqualTo(FailureType.INVALID_INPUT.name());
      assertThat(argv.getOriginalMessage()).isEqualTo("hooks are named in the host configuration; '/usr/bin/touch "
          + marker + "' is not a hook name (letters, digits and . _ + - only)");

      // The same command as one string, as a post-snapshot hook (which runs even after failures).
      ApplicationFailure string = failure(catchThrowable(() -> new VmBackupClient(client).backup(
          request(guest.name(), null, new Hooks(null, "/usr/bin/touch " + marker, true)))));
      assertThat(string.getType()).isEqualTo(FailureType.INVALID_INPUT.name());
      assertThat(string.getOriginalMessage()).contains("is not a hook name");

      assertThat(marker).doesNotExist();
      assertThat(repository.resolve(guest.name())).satisfiesAnyOf(
          dir -> assertThat(dir).doesNotExist(), dir -> assertThat(dir).isEmptyDirectory());
      Invariants.assertVmClean(guest, "running");
    }
  }

  @Test
  void unknownHookAndRepositoryNamesAreRefusedNamingTheNameAndTheHost() {
    // No such VM either: the host refuses the names first, before it looks at anything else.
    ApplicationFailure hook = failure(catchThrowable(() -> new VmBackupClient(client).backup(
        request("hc-no-vm", null, new Hooks("no-such-hook", null, null)))));
    assertThat(hook.getType()).isEqualTo(FailureType.INVALID_INPUT.name());
    assertThat(hook.getOriginalMessage())
        .isEqualTo("hook 'no-such-hook' is not defined on host " + host + " (it defines record-phase, touch-marker)");

    CliResult repositoryName = cli("backup", "hc-no-vm", "--repository", "offsite");
    assertThat(repositoryName.exitCode()).isEqualTo(1);
    assertThat(repositoryName.stderr().strip())
        .isEqualTo("vmbackup: repository 'offsite' is not defined on host " + host + " (it defines e2e)");

    CliResult path = cli("backup", "hc-no-vm", "--repository", "/var/tmp/not-allowed");
    assertThat(path.exitCode()).isEqualTo(1);
    assertThat(path.stderr().strip()).isEqualTo("vmbackup: repositories are named in the host configuration;"
        + " '/var/tmp/not-allowed' is not a repository name, and host " + host
        + " allows no repository path there (allowRepositoryPaths)");
    assertThat(Path.of("/var/tmp/not-allowed")).doesNotExist();
  }

  @Test
  void namedHooksAndRepositoriesOfTheConfigurationAreUsed() throws Exception {
    Path marker = scratch.resolve("named-hook-marker");
    try (TestGuest guest = TestGuest.builder("hcnamed").create()) {
      BackupResult result = new VmBackupClient(client).backup(
          request(guest.name(), "e2e", new Hooks("touch-marker", "record-phase", null)));

      assertThat(result.verified()).isTrue();
      assertThat(Path.of(result.path())).isEqualTo(repository.resolve(guest.name()).resolve(result.backupId()));
      assertThat(marker).exists();
      assertThat(Files.readString(scratch.resolve("hooks.log")))
          .contains(guest.name() + " post-snapshot from-config");
      // The command line reads a repository by its name too, from the host configuration.
      CliResult list = cli("list", guest.name(), "--repository", "e2e");
      assertThat(list.exitCode()).as(list.toString()).isZero();
      assertThat(list.stdout()).contains(result.backupId());
      Invariants.assertVmClean(guest, "running");
    }
  }

  @Test
  void aPolicyWithAWebhookUrlOrAnUnknownNotificationIsRefusedBeforeAnyBackup() throws Exception {
    AtomicInteger posts = new AtomicInteger();
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/", exchange -> {
      posts.incrementAndGet();
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    http.start();
    try {
      String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/steal";
      ApplicationFailure webhook = failure(catchThrowable(() -> plan("hc-url", new Notify(null, true, url, null))));
      assertThat(webhook.getType()).isEqualTo(FailureType.INVALID_INPUT.name());
      assertThat(webhook.getOriginalMessage()).isEqualTo("notifications are named in the host configuration; '"
          + url + "' is not a notification name (give name: NAME, not webhook or command)");

      ApplicationFailure unknown = failure(catchThrowable(() -> plan("hc-unknown", new Notify("pager", true))));
      assertThat(unknown.getOriginalMessage()).isEqualTo("notification 'pager' is not defined on host " + host
          + " (it defines test-webhook, test-command)");

      assertThat(posts).hasValue(0);
      // No backup was started: the policy's VM does not exist, and its failure would have been reported instead.
      assertThat(repository.resolve("hc-policy-vm")).doesNotExist();
    } finally {
      http.stop(0);
    }
  }

  @Test
  void aNamedNotificationCommandGetsTheRunsResult() throws Exception {
    // A run whose only VM does not exist fails, and failures are always notified.
    plan("hc-command", new Notify("test-command", false));

    Path notified = scratch.resolve("notified.json");
    assertThat(notified).exists();
    assertThat(Files.readString(notified)).contains("\"policy\" : \"hc-command\"").contains("hc-policy-vm");
  }

  @Test
  void aWorkerWithABadConfigurationFileStopsWithOneLine() throws Exception {
    Path bad = scratch.resolve("bad.yaml");
    Files.writeString(bad, "hooks:\n  app-quiesce: {command: [touch, /tmp/x]}\n");
    Process process = JavaProcess.vmbackup(List.of("worker", "--config", bad.toString(), "--temporal",
        server.address(), "--host", host + "-bad", "--http-port", "-1"), Map.of()).start();
    CliResult result = result(process);

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stderr().strip()).isEqualTo("vmbackup: " + bad
        + ": hooks.app-quiesce.command: the program 'touch' must be an absolute path");
  }

  private static Object plan(String name, Notify notify) {
    BackupPolicy policy = new BackupPolicy(name, List.of("hc-policy-vm"), null, host, Strategy.FULL,
        CaptureMode.CRASH, null, null, null, 1, null, notify);
    return client.newWorkflowStub(PlanWorkflow.class, WorkflowOptions.newBuilder()
        .setTaskQueue(TaskQueues.WORKFLOWS).setWorkflowId("plan-" + host + "-" + name).build()).run(policy);
  }

  private static BackupRequest request(String domain, String repositoryName, Hooks hooks) {
    return new BackupRequest(domain, host, CaptureMode.CRASH, repositoryName, Strategy.FULL, null, hooks, null, null);
  }

  private static WorkflowOptions options(String domain) {
    return WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.WORKFLOWS)
        .setWorkflowId(BackupWorkflow.workflowId(host, domain)).build();
  }

  /** The application failure a workflow failed with: its type and the host's own words. */
  private static ApplicationFailure failure(Throwable thrown) {
    assertThat(thrown).isInstanceOf(WorkflowFailedException.class);
    for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
      if (cause instanceof ApplicationFailure application) {
        return application;
      }
    }
    throw new AssertionError("no application failure in " + thrown, thrown);
  }
}
