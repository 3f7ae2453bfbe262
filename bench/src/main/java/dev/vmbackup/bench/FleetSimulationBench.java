package dev.vmbackup.bench;

import dev.vmbackup.testing.fleet.FleetReport;
import dev.vmbackup.testing.fleet.FleetSimulation;
import dev.vmbackup.testing.fleet.SimulatedDurations;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Issue 15's fleet simulation at full size (bench/fleet-simulation.sh): one fleet policy run of 50
 * simulated hosts × 20 VMs on a Temporal dev server of its own, reported as Markdown.
 *
 * <p>Arguments ({@code --name value}): {@code hosts} (50), {@code vms} (20 per host), {@code per-host}
 * (2), {@code max-concurrent} (100: every host's full share, so the fleet-wide limit is dealt but never
 * holds a host back), {@code spread} (10 s), {@code sample} (300 VMs' histories), {@code retention}
 * (true: each plan prunes, as a policy with retention does; false leaves the prune children out), {@code dir}
 * (scratch, on tmpfs by default), {@code out} (the report file).
 */
public final class FleetSimulationBench {
  private FleetSimulationBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int hosts = Integer.parseInt(options.getOrDefault("hosts", "50"));
    int vms = Integer.parseInt(options.getOrDefault("vms", "20"));
    int perHost = Integer.parseInt(options.getOrDefault("per-host", "2"));
    int maxConcurrent = Integer.parseInt(options.getOrDefault("max-concurrent", Integer.toString(hosts * perHost)));
    int spread = Integer.parseInt(options.getOrDefault("spread", "10"));
    int sample = Integer.parseInt(options.getOrDefault("sample", "300"));
    boolean retention = Boolean.parseBoolean(options.getOrDefault("retention", "true"));
    Path dir = Files.createTempDirectory(Path.of(options.getOrDefault("dir", "/dev/shm")), "vmbackup-fleet-sim-");
    Path out = Path.of(options.getOrDefault("out", "bench/results/fleet-simulation.md"));

    String load = Files.readString(Path.of("/proc/loadavg")).trim();
    Process server = startServer(dir);
    try {
      int port = Integer.parseInt(Files.readString(dir.resolve("port")));
      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
      BenchTemporal.awaitServer(stubs, server);
      FleetReport report;
      try (FleetSimulation fleet = new FleetSimulation(WorkflowClient.newInstance(stubs), new FleetSimulation.Options(
          hosts, vms, perHost, maxConcurrent, spread, SimulatedDurations.bench(), sample, retention, dir.resolve("fleet")))) {
        report = fleet.run(Duration.ofMinutes(60));
      }
      stubs.shutdownNow();
      String text = "# Fleet simulation (issue 15, \"Scale, proven\")\n\n"
          + "`bench/fleet-simulation.sh`, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
          + " cores, load average before the run: " + load + ". One JVM runs every simulated host's worker and the"
          + " workflow worker; the Temporal CLI dev server (SQLite) runs beside it; scratch and the server's"
          + " database on tmpfs.\n\n" + report.toMarkdown();
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, text);
      System.out.println(text);
    } finally {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
      deleteTree(dir);
    }
  }

  private static Process startServer(Path dir) throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Files.writeString(dir.resolve("port"), Integer.toString(port));
    return new ProcessBuilder(List.of(
            System.getenv().getOrDefault("VMBACKUP_TEMPORAL_CLI", "/var/cache/vmbackup/bin/temporal"),
            "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", Integer.toString(port),
            "--db-filename", dir.resolve("temporal.db").toString(), "--log-level", "error"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("temporal.log").toFile()).start();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
