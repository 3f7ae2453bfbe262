package dev.vmbackup.host.process;

import java.util.List;

/** What a finished command returned. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {
  public boolean succeeded() {
    return exitCode == 0;
  }
}
