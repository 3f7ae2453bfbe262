package dev.vmbackup.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays histories recorded from real runs (end-to-end tests against the Temporal dev server) against
 * the current workflow code: a change that would make workflows already running non-deterministic
 * fails here, before it reaches a host.
 */
class HistoryReplayTest {
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
    Class<?>[] types = WorkflowTypes.implementations();
    WorkflowReplayer.replayWorkflowExecution(json, types[0], java.util.Arrays.copyOfRange(types, 1, types.length));
  }
}
