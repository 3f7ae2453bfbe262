package dev.vmbackup.starter;

import dev.vmbackup.worker.PayloadKey;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "key", mixinStandardHelpOptions = true,
    description = "Manage the key that encrypts workflow payloads (--payload-key-file).",
    subcommands = {KeyCommand.Create.class})
class KeyCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Write a new random payload key (AES-256, base64) to FILE, readable by its owner only (mode 0600).",
          "Refuses an existing FILE. Copy the file to every worker host and every starter, with the same mode."})
  static class Create implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
      PayloadKey key;
      try {
        key = PayloadKey.create(file.toAbsolutePath());
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      spec.commandLine().getOut().printf("payload key %s written to %s (mode 0600)%n", key.id(), file.toAbsolutePath());
      return 0;
    }
  }
}
