package dev.vmbackup.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts the vmbackup command line in a separate JVM, on the test classpath, as an operator would run it. */
final class JavaProcess {
  private JavaProcess() {}

  static ProcessBuilder vmbackup(List<String> arguments, Map<String, String> environment) {
    return java(List.of("-cp", classpath(), "dev.vmbackup.starter.Main"), arguments, environment);
  }

  /**
   * The command line of another build, from its jar (built by scripts/build-commit-jar.sh, whose manifest
   * names the lib/ beside it), run by the same java as the current build.
   */
  static ProcessBuilder vmbackupJar(Path jar, List<String> arguments, Map<String, String> environment) {
    return java(List.of("-jar", jar.toString()), arguments, environment);
  }

  private static ProcessBuilder java(List<String> main, List<String> arguments, Map<String, String> environment) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.addAll(main);
    command.addAll(arguments);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("TEMPORAL_ADDRESS");
    builder.environment().putAll(environment);
    return builder;
  }

  /** Surefire runs tests from a manifest-only jar; the real classpath is in this property. */
  private static String classpath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }
}
