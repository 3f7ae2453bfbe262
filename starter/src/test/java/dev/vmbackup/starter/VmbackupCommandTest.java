package dev.vmbackup.starter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line builds only the subcommand it runs, and everything else as before. */
class VmbackupCommandTest {
  @Test
  void aCommandLineNamingASubcommandBuildsOnlyThatOne() {
    for (Class<?> type : VmbackupCommand.SUBCOMMANDS) {
      String name = type.getAnnotation(Command.class).name();

      CommandLine commandLine = VmbackupCommand.commandLine(name, "--help");

      assertThat(commandLine.getSubcommands()).containsOnlyKeys(name);
    }
  }

  @Test
  void anythingElseGetsEverySubcommandInOrder() {
    String[] names = VmbackupCommand.SUBCOMMANDS.stream()
        .map(type -> type.getAnnotation(Command.class).name())
        .toArray(String[]::new);

    assertThat(VmbackupCommand.commandLine().getSubcommands().keySet()).containsExactly(names);
    assertThat(VmbackupCommand.commandLine("--help").getSubcommands().keySet()).containsExactly(names);
    assertThat(VmbackupCommand.commandLine("no-such-command").getSubcommands().keySet()).containsExactly(names);
  }

  @Test
  void aSubcommandsHelpIsTheSameAsWithEverySubcommand() {
    CommandLine all = VmbackupCommand.commandLine();
    CommandLine one = VmbackupCommand.commandLine("backup");

    assertThat(usage(one.getSubcommands().get("backup"))).isEqualTo(usage(all.getSubcommands().get("backup")));
  }

  private static String usage(CommandLine commandLine) {
    StringWriter text = new StringWriter();
    commandLine.usage(new PrintWriter(text));
    return text.toString();
  }
}
