package dev.vmbackup.starter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vmbackup.client.PolicyService;
import dev.vmbackup.client.PolicyService.PolicyStatus;
import dev.vmbackup.workflows.PolicyValidation;
import dev.vmbackup.workflows.Validation;
import dev.vmbackup.workflows.model.BackupPolicy;
import dev.vmbackup.workflows.model.CaptureMode;
import dev.vmbackup.workflows.model.Hooks;
import dev.vmbackup.workflows.model.Notify;
import dev.vmbackup.workflows.model.PolicySchedule;
import dev.vmbackup.workflows.model.RetentionPolicy;
import dev.vmbackup.workflows.model.Strategy;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "policy", mixinStandardHelpOptions = true,
    description = "Backup policies: which VMs, how, when, and what to keep. Each is a Temporal Schedule that runs the"
        + " plan workflow (one backup per VM, at most N at once per host, then pruning); a fleet policy (--hosts)"
        + " runs the fleet plan workflow, one plan per host.",
    subcommands = {
      PolicyCommand.Create.class, PolicyCommand.ListPolicies.class, PolicyCommand.Pause.class,
      PolicyCommand.Resume.class, PolicyCommand.Trigger.class, PolicyCommand.Delete.class
    })
class PolicyCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a policy from a YAML or JSON file, or from options.")
  static class Create implements Callable<Integer> {
    @Mixin GlobalOptions options;

    @Mixin RetentionOptions retention;

    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Policy name (with options).")
    String name;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "The policy as YAML or JSON.")
    Path file;

    @Option(names = "--domain", paramLabel = "DOMAIN", description = "A VM (repeatable).")
    List<String> domains;

    @Option(names = "--glob", paramLabel = "GLOB", description = "Every VM of the host whose name matches.")
    String glob;

    @Option(names = "--every", paramLabel = "DURATION", description = "Interval, e.g. 1h, 15m.")
    String every;

    @Option(names = "--cron", paramLabel = "EXPR", description = "Cron expression, UTC (repeatable).")
    List<String> cron;

    @Option(names = "--jitter", paramLabel = "DURATION", description = "Random delay up to this before each run.")
    String jitter;

    @Option(names = "--catchup-window", paramLabel = "DURATION", description = "Default 1h.")
    String catchupWindow;

    @Option(names = "--strategy", defaultValue = "full", description = "Default: ${DEFAULT-VALUE}.")
    String strategy;

    @Option(names = "--capture", defaultValue = "quiesce", description = "Default: ${DEFAULT-VALUE}.")
    String capture;

    @Option(names = "--max-concurrent", paramLabel = "N", description = "Backups at once on the host (default 2).")
    Integer maxConcurrent;

    @Option(names = "--hosts", paramLabel = "HOST", split = ",",
        description = "A fleet policy over these hosts: names and/or globs of registered hosts (repeatable,"
            + " or comma-separated), instead of --host.")
    List<String> hosts;

    @Option(names = "--fleet-max-concurrent", paramLabel = "N",
        description = "Fleet policies: backups at once across all hosts (default: no fleet-wide limit).")
    Integer fleetMaxConcurrent;

    @Option(names = "--start-spread", paramLabel = "SECONDS",
        description = "Start the backups at random offsets within this many seconds.")
    Integer startSpread;

    @Option(names = "--inventory-timeout", paramLabel = "SECONDS",
        description = "Fleet policies: how long a host's worker has to answer before the host is skipped (default 30).")
    Integer inventoryTimeout;

    @Option(names = "--pre-snapshot", paramLabel = "HOOK",
        description = "Pre-snapshot hook: its name in the host configuration.")
    String preSnapshot;

    @Option(names = "--post-snapshot", paramLabel = "HOOK",
        description = "Post-snapshot hook: its name in the host configuration.")
    String postSnapshot;

    @Option(names = "--notify", paramLabel = "NAME",
        description = "Notification (its name in the host configuration) sent the run's result on failure.")
    String notification;

    @Option(names = "--notify-on-success", description = "Also notify when every backup succeeded.")
    boolean notifyOnSuccess;

    @Override
    public Integer call() {
      BackupPolicy policy = file != null ? fromFile() : fromOptions();
      try {
        PolicyValidation.check(policy);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      try (TemporalSession session = TemporalSession.openServer(options)) {
        new PolicyService(session.client().workflowClient()).create(policy);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      spec.commandLine().getOut().printf("policy %s created (Temporal Schedule %s%s)%n", policy.name(),
          PolicyService.SCHEDULE_PREFIX, policy.name());
      return 0;
    }

    BackupPolicy fromFile() {
      try {
        ObjectMapper mapper = file.toString().endsWith(".json")
            ? dev.vmbackup.host.repository.Json.MAPPER
            : new ObjectMapper(new YAMLFactory()).configure(
                com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        return mapper.readValue(file.toFile(), BackupPolicy.class);
      } catch (IOException e) {
        throw new UserError("cannot read policy " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
      }
    }

    private BackupPolicy fromOptions() {
      if (name == null) {
        throw new UserError("give a policy NAME with options, or --file FILE");
      }
      try {
        Hooks hooks = preSnapshot == null && postSnapshot == null ? null : new Hooks(preSnapshot, postSnapshot, null);
        Notify notify = notification == null ? null : new Notify(notification, notifyOnSuccess);
        RetentionPolicy keep = retention.policy();
        return new BackupPolicy(name, domains, glob, options.host != null ? options.effectiveHost() : null,
            Strategy.fromWire(strategy), CaptureMode.fromWire(capture), options.requestedRepository(),
            new PolicySchedule(cron, every, jitter, catchupWindow), keep.hasRules() ? keep : null, maxConcurrent,
            hooks, notify, null, null, hosts, fleetMaxConcurrent, startSpread, inventoryTimeout);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the policies and their runs.")
  static class ListPolicies implements Callable<Integer> {
    @Mixin GlobalOptions options;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      List<PolicyStatus> policies;
      try (TemporalSession session = TemporalSession.openServer(options)) {
        policies = new PolicyService(session.client().workflowClient()).list();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (options.json) {
        Output.json(out, java.util.Map.of("policies", policies));
        return 0;
      }
      if (policies.isEmpty()) {
        out.println("no policies");
        return 0;
      }
      out.printf("%-20s %-7s %6s %8s  %-30s %-20s %s%n", "POLICY", "STATE", "RUNS", "SKIPPED", "VMS", "HOSTS",
          "NEXT RUN");
      for (PolicyStatus status : policies) {
        BackupPolicy policy = status.policy();
        String vms = policy == null ? "?" : policy.domains().isEmpty() ? policy.domainGlob() : String.join(",", policy.domains());
        String hostsShown = policy == null ? "?" : policy.fleet() ? String.join(",", policy.hosts())
            : policy.host() == null ? "-" : policy.host();
        out.printf("%-20s %-7s %6d %8d  %-30s %-20s %s%n", status.name(), status.paused() ? "paused" : "active",
            status.runs(), status.skippedOverlaps(), vms, hostsShown,
            status.nextRuns().isEmpty() ? "-" : status.nextRuns().get(0));
      }
      return 0;
    }
  }

  /** The commands that act on one policy by name. */
  abstract static class OnePolicy implements Callable<Integer> {
    @Mixin GlobalOptions options;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    abstract String done();

    abstract BiConsumer<PolicyService, String> action();

    /** The schedule client wraps gRPC's NOT_FOUND in its own exception. */
    private static boolean notFound(Throwable failure) {
      for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
        if (cause instanceof StatusRuntimeException status && status.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
          return true;
        }
      }
      return false;
    }

    @Override
    public Integer call() {
      try {
        Validation.domainName("policy name", name);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      try (TemporalSession session = TemporalSession.openServer(options)) {
        action().accept(new PolicyService(session.client().workflowClient()), name);
      } catch (RuntimeException e) {
        if (notFound(e)) {
          throw new UserError("no policy " + name);
        }
        throw e;
      }
      spec.commandLine().getOut().printf("policy %s %s%n", name, done());
      return 0;
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a policy's schedule.")
  static class Pause extends OnePolicy {
    String done() {
      return "paused";
    }

    BiConsumer<PolicyService, String> action() {
      return PolicyService::pause;
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused policy.")
  static class Resume extends OnePolicy {
    String done() {
      return "resumed";
    }

    BiConsumer<PolicyService, String> action() {
      return PolicyService::resume;
    }
  }

  @Command(name = "trigger", mixinStandardHelpOptions = true, description = "Run a policy now.")
  static class Trigger extends OnePolicy {
    String done() {
      return "triggered";
    }

    BiConsumer<PolicyService, String> action() {
      return PolicyService::trigger;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a policy (backups stay).")
  static class Delete extends OnePolicy {
    String done() {
      return "deleted";
    }

    BiConsumer<PolicyService, String> action() {
      return PolicyService::delete;
    }
  }
}
