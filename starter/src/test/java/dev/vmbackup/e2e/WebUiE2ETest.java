package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import dev.vmbackup.workflows.BackupWorkflow;
import dev.vmbackup.workflows.TaskQueues;
import dev.vmbackup.workflows.model.BackupResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Temporal Web UI of the dev server, driven in headless Chromium (Debian's, with Playwright):
 * an operator starts a backup from the "Start Workflow" form with the README's JSON, it completes, and
 * the backup appears in {@code vmbackup list}.
 */
class WebUiE2ETest extends EndToEndTest {
  @Test
  void aBackupStartedFromTheWebUiFormCompletesAndIsListed() throws Exception {
    Path script = TestHost.repositoryRoot().resolve("starter/src/test/ui/start-workflow.cjs");
    Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    assertThat(chromium).as("Debian's chromium (scripts/run-tests.sh installs it)").isExecutable();
    try (TestGuest guest = TestGuest.builder("webui").create()) {
      String workflowId = BackupWorkflow.workflowId(host, guest.name());
      String input = "{\"domain\":\"" + guest.name() + "\",\"host\":\"" + host + "\"}";
      Path screenshot = scratch.resolve("web-ui.png");

      Process browser = new ProcessBuilder(List.of("node", script.toString(), server.uiUrl(), workflowId,
              TaskQueues.WORKFLOWS, "BackupWorkflow", input, screenshot.toString()))
          .redirectErrorStream(true).start();
      assertThat(browser.waitFor(3, TimeUnit.MINUTES)).isTrue();
      String output = new String(browser.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      assertThat(browser.exitValue()).as(output).isZero();
      assertThat(Files.size(screenshot)).as("a screenshot of the form after starting").isPositive();

      BackupResult result = client.newUntypedWorkflowStub(workflowId).getResult(BackupResult.class);
      assertThat(result.verified()).isTrue();
      // The UI started the run whose id it printed.
      assertThat(Workflows.describe(client, workflowId).getWorkflowExecutionInfo().getExecution().getRunId())
          .isEqualTo(output);

      CliResult list = cli("list", guest.name());
      assertThat(list.exitCode()).isZero();
      assertThat(list.stdout()).contains(result.backupId()).contains("ok");
      Invariants.assertVmClean(guest, "running");
    }
  }
}
