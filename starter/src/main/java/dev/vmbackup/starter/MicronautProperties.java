package dev.vmbackup.starter;

import io.micronaut.context.ApplicationContext;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** Settings the worker and the server take from the command line, and how both run until stopped. */
final class MicronautProperties {
  private MicronautProperties() {}

  static Map<String, Object> common(GlobalOptions options) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("vmbackup.host", options.effectiveHost());
    // The worker's default repository directory, used only when the configuration file defines no
    // repositories; a store is resolved by name from that file, so its staging directory stands in here.
    properties.put("vmbackup.repository", options.localRepository().workingDirectory().toString());
    if (options.configFile() != null) {
      properties.put("vmbackup.config", options.configFile());
    }
    properties.put("vmbackup.state-dir", options.stateDir());
    properties.put("vmbackup.libvirt-uri", options.libvirtUri());
    // The OpenAPI document micronaut-openapi generated at build time.
    properties.put("micronaut.router.static-resources.openapi.paths", "classpath:META-INF/swagger");
    properties.put("micronaut.router.static-resources.openapi.mapping", "/openapi/**");
    return properties;
  }

  /**
   * Blocks until SIGTERM/SIGINT. A context started with its HTTP server (Micronaut.build().start()) has
   * Micronaut's own shutdown hook, which stops the server and the context; a second hook closing the
   * context as well would deadlock against it. A plain context gets a hook here.
   */
  static void awaitShutdown(ApplicationContext context, boolean micronautHook) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (!micronautHook) {
        context.close();
      }
      stopped.countDown();
    }, "vmbackup-shutdown"));
    stopped.await();
  }
}
