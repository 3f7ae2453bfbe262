package dev.vmbackup.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A {@code vmbackup server} process on a free port of 127.0.0.1, started and answering /health. */
record ApiServerProcess(Process process, String base) implements AutoCloseable {
  /** Starts {@code vmbackup server --port P ARGUMENTS}, logging to {@code log}, and waits until it answers. */
  static ApiServerProcess start(List<String> arguments, Path log) {
    int port = DevServer.freePort();
    List<String> command = new ArrayList<>(List.of("server", "--port", Integer.toString(port)));
    command.addAll(arguments);
    Process process;
    try {
      process = JavaProcess.vmbackup(command, Map.of())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String base = "http://127.0.0.1:" + port;
    Awaits.until("the API answers", Duration.ofMinutes(2), () -> {
      if (!process.isAlive()) {
        throw new AssertionError("vmbackup server exited; see " + log);
      }
      return Awaits.answersOk(base + "/health");
    });
    return new ApiServerProcess(process, base);
  }

  @Override
  public void close() {
    process.destroy();
  }
}
