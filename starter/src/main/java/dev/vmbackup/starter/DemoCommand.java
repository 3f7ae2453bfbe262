package dev.vmbackup.starter;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Install what is missing, create a small demo VM, back it up, restore it as a new VM and verify it.")
class DemoCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    throw new UserError("demo: not implemented yet");
  }
}
