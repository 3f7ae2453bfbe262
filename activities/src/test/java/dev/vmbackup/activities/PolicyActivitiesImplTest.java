package dev.vmbackup.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.host.hypervisor.Hypervisor;
import dev.vmbackup.host.process.ProcessRunner;
import dev.vmbackup.workflows.activities.PolicyActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A host lists the domains of its libvirt that a policy's glob matches, and only those it manages. */
class PolicyActivitiesImplTest {
  /** A libvirt with three domains; nothing else of it is used by listing. */
  private static final Hypervisor LIBVIRT = (Hypervisor) Proxy.newProxyInstance(Hypervisor.class.getClassLoader(),
      new Class<?>[] {Hypervisor.class}, (proxy, method, arguments) -> {
        if (method.getName().equals("domainNames")) {
          return List.of("web-1", "web-2", "db-1");
        }
        throw new UnsupportedOperationException(method.getName());
      });

  private static List<String> list(String managedDomains, String glob) {
    HostConfig config = HostConfig.defaults(Path.of("/srv/backups"));
    config = new HostConfig(config.repositories(), config.defaultRepository(), config.allowRepositoryPaths(),
        config.hooks(), config.notifications(), config.temporal(), managedDomains);
    HostSettings settings = new HostSettings("hv1", Path.of("/var/lib/vmbackup/state"), HostSettings.DEFAULT_LIBVIRT_URI,
        0, 0, config);
    TestActivityEnvironment environment = TestActivityEnvironment.newInstance();
    try {
      environment.registerActivitiesImplementations(new PolicyActivitiesImpl(settings, LIBVIRT, new ProcessRunner()));
      return environment.newActivityStub(PolicyActivities.class,
          ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build()).listDomains(glob);
    } finally {
      environment.close();
    }
  }

  @Test
  void withoutManagedDomainsEveryMatchingDomainIsListed() {
    assertThat(list(null, "web-*")).containsExactly("web-1", "web-2");
    assertThat(list(null, "*")).containsExactly("web-1", "web-2", "db-1");
  }

  @Test
  void aHostThatSharesItsLibvirtListsOnlyTheDomainsItManages() {
    assertThat(list("web-2", "*")).containsExactly("web-2");
    assertThat(list("web-*", "*-1")).containsExactly("web-1");
    assertThat(list("db-*", "web-*")).isEmpty();
  }
}
