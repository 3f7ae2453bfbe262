package dev.vmbackup.starter;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The top-level command. Its subcommands are added by {@link #commandLine}, not listed in the
 * annotation: picocli builds the model of every listed subcommand (reflection over all their options,
 * mixins and nested commands) before it parses anything, which on a busy machine cost a command about
 * as much as the JVM's own start. A command line that names a subcommand gets only that one.
 */
@Command(
    name = "vmbackup",
    mixinStandardHelpOptions = true,
    version = "vmbackup 0.1.0",
    description = "Consistent live backups of libvirt/KVM virtual machines, run as durable Temporal workflows.")
public class VmbackupCommand implements Runnable {
  /** Every subcommand, in the order the top-level help lists them. */
  static final List<Class<?>> SUBCOMMANDS = List.of(
      BackupCommand.class,
      RestoreCommand.class,
      ListCommand.class,
      VerifyCommand.class,
      ExportCommand.class,
      PruneCommand.class,
      GcCommand.class,
      SyncCommand.class,
      ProtectCommand.class,
      PolicyCommand.class,
      HostCommand.class,
      HookCommand.class,
      RepositoryCommand.class,
      KeyCommand.class,
      WorkerCommand.class,
      ServerCommand.class,
      DemoCommand.class);

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * The command line for these arguments: with only the subcommand that the first argument names, or
   * with all of them (the top-level help, an unknown command, an option first).
   */
  static CommandLine commandLine(String... args) {
    CommandLine commandLine = new CommandLine(new VmbackupCommand());
    Class<?> named = args.length == 0 ? null : SUBCOMMANDS.stream()
        .filter(type -> type.getAnnotation(Command.class).name().equals(args[0]))
        .findFirst()
        .orElse(null);
    for (Class<?> type : named != null ? List.<Class<?>>of(named) : SUBCOMMANDS) {
      commandLine.addSubcommand(type);
    }
    return commandLine;
  }
}
