package dev.vmbackup.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.testing.Commands;
import dev.vmbackup.testing.TestHost;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's main job, {@code vmbackup demo}, as a user runs it: no Temporal address, so it uses the
 * embedded Temporal; it must end with a restored VM that runs, and clean up after itself on request.
 */
class DemoE2ETest {
  @Test
  void theDemoBacksUpRestoresAndChecksAVmThenCleansUp() throws Exception {
    TestHost.requireReady();
    try {
      Process demo = JavaProcess.vmbackup(List.of("demo"), Map.of("VMBACKUP_HOME", TestHost.repositoryRoot().toString()))
          .redirectErrorStream(true).start();
      assertThat(demo.waitFor(10, TimeUnit.MINUTES)).isTrue();
      String output = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

      assertThat(demo.exitValue()).as(output).isZero();
      assertThat(output).contains("passes e2fsck -fn").contains("booted from the restored disk");
      assertThat(Commands.virsh("domstate", "vmbackup-demo").trim()).isEqualTo("running");
      assertThat(Commands.virsh("domstate", "vmbackup-demo-restored").trim()).isEqualTo("running");
    } finally {
      Process clean = JavaProcess.vmbackup(List.of("demo", "--clean"), Map.of()).start();
      try {
        clean.waitFor(5, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    assertThat(Commands.tryVirsh("dominfo", "vmbackup-demo").succeeded()).isFalse();
    assertThat(Commands.tryVirsh("dominfo", "vmbackup-demo-restored").succeeded()).isFalse();
  }

}
