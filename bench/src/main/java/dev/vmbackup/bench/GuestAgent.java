package dev.vmbackup.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vmbackup.host.repository.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;

/** Runs a command inside a test guest through qemu-guest-agent's guest-exec, and waits for it. */
final class GuestAgent {
  private GuestAgent() {}

  static void run(String domain, String shellCommand, Duration timeout) {
    try {
      String request = Json.MAPPER.writeValueAsString(java.util.Map.of("execute", "guest-exec", "arguments",
          java.util.Map.of("path", "/bin/sh", "arg", java.util.List.of("-c", shellCommand), "capture-output", true)));
      long pid = Json.MAPPER.readTree(BenchHost.virsh("qemu-agent-command", domain, request))
          .path("return").path("pid").asLong();
      Instant deadline = Instant.now().plus(timeout);
      while (Instant.now().isBefore(deadline)) {
        JsonNode status = Json.MAPPER.readTree(BenchHost.virsh("qemu-agent-command", domain,
            "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":" + pid + "}}")).path("return");
        if (status.path("exited").asBoolean()) {
          if (status.path("exitcode").asInt() != 0) {
            throw new IllegalStateException("in the guest, '" + shellCommand + "' exited " + status.path("exitcode"));
          }
          return;
        }
        Thread.sleep(250);
      }
      throw new IllegalStateException("in the guest, '" + shellCommand + "' did not finish in " + timeout);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
