package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays histories recorded from real runs (end-to-end tests against the Temporal dev server) against
 * the current workflow code: a change that would make workflows already running non-deterministic
 * fails here, before it reaches a host.
 */
class HistoryReplayTest {
  /**
   * The SDK fails a workflow task whose thread holds on for over a second, which a first replay can do
   * on a loaded two-core CI machine while it loads classes (CI saw it once). Determinism is what this
   * test is about, so the replaying worker waits longer.
   */
  private static final long REPLAY_DEADLOCK_TIMEOUT_MS = 30_000;

  private static TestWorkflowEnvironment environment;
  private static Worker worker;

  @BeforeAll
  static void startReplayer() {
    environment = TestWorkflowEnvironment.newInstance();
    worker = environment.newWorker("replay",
        WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(REPLAY_DEADLOCK_TIMEOUT_MS).build());
    worker.registerWorkflowImplementationTypes(WorkflowTypes.implementations());
  }

  @AfterAll
  static void stopReplayer() {
    environment.close();
  }

  static Stream<Path> histories() throws IOException, URISyntaxException {
    URL dir = HistoryReplayTest.class.getResource("/histories");
    assertThat(dir).as("recorded histories on the test classpath").isNotNull();
    try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
      List<Path> json = files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
      assertThat(json).as("recorded histories").isNotEmpty();
      return json.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("histories")
  void replaysWithoutNonDeterminism(Path history) throws Exception {
    String json = Files.readString(history, StandardCharsets.UTF_8);
    WorkflowReplayer.replayWorkflowExecution(WorkflowExecutionHistory.fromJson(json), worker);
  }
}
