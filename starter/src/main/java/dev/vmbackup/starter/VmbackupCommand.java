package dev.vmbackup.starter;

import picocli.CommandLine.Command;

@Command(
    name = "vmbackup",
    mixinStandardHelpOptions = true,
    version = "vmbackup 0.1.0",
    description = "Consistent live backups of libvirt/KVM virtual machines, run as durable Temporal workflows.",
    subcommands = {
      BackupCommand.class,
      RestoreCommand.class,
      ListCommand.class,
      VerifyCommand.class,
      PruneCommand.class,
      ProtectCommand.class,
      PolicyCommand.class,
      HookCommand.class,
      KeyCommand.class,
      WorkerCommand.class,
      ServerCommand.class,
      DemoCommand.class
    })
public class VmbackupCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
