package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmbackup.testing.TestGuest;
import dev.vmbackup.testing.TestHost;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Another service calls vmbackup through Temporal alone, in another language: {@code
 * scripts/callers/start_backup.py} (the Temporal Python SDK from PyPI) starts the workflow type
 * {@code BackupWorkflow} by name with a plain JSON object on the dev server, this class's worker backs
 * the VM up, and the script checks the result against {@code docs/schemas/BackupResult.schema.json}.
 *
 * <p>The Python environment is {@code $VMBACKUP_PYTHON_CALLER} ({@code scripts/install-python-callers.sh}
 * makes it, and {@code scripts/run-tests.sh} sets it). Without it the tests are skipped, unless
 * {@code VMBACKUP_PYTHON_CALLER_REQUIRED} is set (as the test command sets it), in which case they fail.
 */
class PythonCallerE2ETest extends EndToEndTest {
  private static final String SCRIPT = "scripts/callers/start_backup.py";

  @Test
  void aPythonCallerBacksUpAVmByWorkflowTypeAndItsResultMatchesTheSchema() throws IOException {
    Path python = python();
    try (TestGuest guest = TestGuest.builder("pycall").create()) {
      CliResult run = startBackup(python,
          "{\"domain\":\"" + guest.name() + "\",\"host\":\"" + host + "\",\"capture\":\"crash\"}");

      assertThat(run.exitCode()).as(run.toString()).isZero();
      JsonNode result = run.json();
      String backupId = result.path("backupId").asText();
      assertThat(result.path("domain").asText()).isEqualTo(guest.name());
      assertThat(result.path("host").asText()).isEqualTo(host);
      assertThat(result.path("capture").asText()).isEqualTo("crash");
      assertThat(result.path("verified").asBoolean()).isTrue();
      // The backup the result names is in the repository, listed, and re-reads against its checksums.
      assertThat(Path.of(result.path("path").asText())).isEqualTo(repository.resolve(guest.name()).resolve(backupId));
      assertThat(cli("list", guest.name()).stdout()).contains(backupId);
      CliResult verify = cli("verify", guest.name(), backupId);
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
      Invariants.assertBackupsMatchTheirManifests(repository);
      Invariants.assertVmClean(guest, "running");
    }
  }

  @Test
  void aRepositoryTheHostDoesNotDefineFailsWithTheWorkflowsOneLineError() {
    Path python = python();
    // The host refuses an unknown name before it looks for the VM, so no VM is needed.
    CliResult run = startBackup(python,
        "{\"domain\":\"py-no-vm\",\"host\":\"" + host + "\",\"repository\":\"offsite\"}");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.stdout()).isEmpty();
    assertThat(run.stderr().strip())
        .isEqualTo("start_backup: repository 'offsite' is not defined on host " + host + " (it defines e2e)");
    Invariants.assertNoPartialBackups(repository);
  }

  @Test
  void anInputTheSchemaRefusesStartsNothing() {
    Path python = python();
    long workflowsBefore = Workflows.count(client);

    CliResult run = startBackup(python, "{\"domain\":\"py-no-vm\",\"host\":\"" + host + "\",\"capture\":\"snapshot\"}");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.stderr().strip()).startsWith("start_backup: the input does not match BackupRequest.schema.json at capture:")
        .doesNotContain("\n");
    assertThat(Workflows.count(client)).as("workflows started by a refused input").isEqualTo(workflowsBefore);
  }

  /** Runs the Python caller against this class's dev server and waits for it. */
  private static CliResult startBackup(Path python, String input) {
    Path script = TestHost.repositoryRoot().resolve(SCRIPT);
    try {
      Process process = new ProcessBuilder(List.of(python.toString(), script.toString(),
          "--address", server.address(), "--timeout", "840", input)).start();
      process.getOutputStream().close();
      // Read both streams while it runs, so that neither pipe can fill up and block it.
      InputStream stderr = process.getErrorStream();
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(stderr));
      String out = readAll(process.getInputStream());
      if (!process.waitFor(15, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError(SCRIPT + " did not finish");
      }
      return new CliResult(process.exitValue(), out, err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static String readAll(InputStream stream) {
    try {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Python of the callers' environment; skips the test without it, or fails where it is required. */
  private static Path python() {
    String configured = System.getenv("VMBACKUP_PYTHON_CALLER");
    boolean required = System.getenv("VMBACKUP_PYTHON_CALLER_REQUIRED") != null;
    if (configured == null && required) {
      throw new AssertionError("VMBACKUP_PYTHON_CALLER is not set, and VMBACKUP_PYTHON_CALLER_REQUIRED is: "
          + "scripts/run-tests.sh sets both");
    }
    Path python = Path.of(configured != null ? configured
        : System.getenv().getOrDefault("VMBACKUP_CACHE", "/var/cache/vmbackup") + "/python-callers/bin/python");
    if (!Files.isExecutable(python)) {
      String message = "the Python callers' environment is not installed at " + python
          + " (run scripts/install-python-callers.sh)";
      if (required) {
        throw new AssertionError(message + ", and VMBACKUP_PYTHON_CALLER_REQUIRED is set");
      }
      Assumptions.abort(message + "; skipping");
    }
    return python;
  }
}
