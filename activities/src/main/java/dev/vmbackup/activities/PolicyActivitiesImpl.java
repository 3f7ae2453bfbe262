package dev.vmbackup.activities;

import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.process.CommandResult;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.host.repository.Json;
import dev.vmbackup.workflows.FailureType;
import dev.vmbackup.workflows.activities.PolicyActivities;
import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.Notify;
import dev.vmbackup.workflows.model.PlanResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Resolves a policy's VMs on the host and sends the notifications the host defines. */
public final class PolicyActivitiesImpl implements PolicyActivities {
  private final HostAuthority authority;
  private final String managedDomains;
  private final Hypervisor hypervisor;
  private final ProcessRunner runner;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  public PolicyActivitiesImpl(HostSettings settings, Hypervisor hypervisor, ProcessRunner runner) {
    this.authority = new HostAuthority(settings);
    this.managedDomains = settings.config().managedDomains();
    this.hypervisor = hypervisor;
    this.runner = runner;
  }

  @Override
  public List<String> listDomains(String glob) {
    return ActivityBoundary.run("list the domains matching " + glob, () -> {
      PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
      // A host that shares its libvirt with other hosts manages only its own domains (managedDomains).
      PathMatcher managed = FileSystems.getDefault().getPathMatcher("glob:" + (managedDomains == null ? "*" : managedDomains));
      return hypervisor.domainNames().stream()
          .filter(name -> matcher.matches(Path.of(name)) && managed.matches(Path.of(name))).toList();
    });
  }

  @Override
  public void checkPolicy(BackupPolicy policy) {
    ActivityBoundary.run("check policy " + policy.name(), () -> {
      authority.checkHooks(policy.hooks());
      if (policy.notification() != null) {
        authority.notification(policy.notification());
      }
      authority.repository(policy.repository());
    });
  }

  @Override
  public void notifyRun(Notify notify, PlanResult result) {
    ActivityBoundary.run("notify about policy " + result.policy(), () -> {
      HostConfig.Notification notification = authority.notification(notify);
      byte[] body = json(result);
      String status = result.allSucceeded() ? "ok" : "failed";
      if (notification.webhook() != null) {
        post(notification.webhook(), headers(notification.headersFile()), body);
      }
      if (!notification.command().isEmpty()) {
        runCommand(notification.command(), body, result.policy(), status);
      }
    });
  }

  /**
   * The headers of a webhook, from its file of {@code Name: value} lines; read at each notification, so
   * that a rotated secret needs no restart. Blank lines and lines starting with {@code #} are skipped.
   */
  private static Map<String, String> headers(String file) {
    if (file == null) {
      return Map.of();
    }
    Map<String, String> headers = new LinkedHashMap<>();
    try {
      List<String> lines = Files.readAllLines(Path.of(file));
      for (int number = 1; number <= lines.size(); number++) {
        String line = lines.get(number - 1);
        if (line.isBlank() || line.strip().startsWith("#")) {
          continue;
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
          // The line itself is not quoted: it may hold the secret the file keeps out of the configuration.
          throw new HostFailure(FailureType.INVALID_INPUT, "headers file " + file + ": line " + number
              + " is not a 'Name: value' line");
        }
        headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
      }
    } catch (IOException e) {
      throw new HostFailure(FailureType.INVALID_INPUT, "headers file " + file + " cannot be read: " + e.getMessage());
    }
    return headers;
  }

  private void post(String url, Map<String, String> headers, byte[] body) {
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
          .header("Content-Type", "application/json");
      headers.forEach(request::header);
      HttpResponse<String> response = http.send(
          request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IllegalStateException("webhook " + url + " answered " + response.statusCode() + "; will retry");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("webhook " + url + " unreachable: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while notifying", e);
    }
  }

  /** The command gets the result as a JSON file named in {@code VMBACKUP_RESULT_FILE}. */
  private void runCommand(List<String> command, byte[] body, String policy, String status) {
    Path file = null;
    try {
      file = Files.createTempFile("vmbackup-result-", ".json");
      Files.write(file, body);
      CommandResult result = runner.run(command, Map.of(
          "VMBACKUP_RESULT_FILE", file.toString(), "VMBACKUP_POLICY", policy, "VMBACKUP_STATUS", status),
          Duration.ofMinutes(5));
      if (!result.succeeded()) {
        throw new IllegalStateException(ProcessRunner.failureMessage(result));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // A temporary file.
        }
      }
    }
  }

  private static byte[] json(PlanResult result) {
    try {
      return Json.MAPPER.writeValueAsBytes(result);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
