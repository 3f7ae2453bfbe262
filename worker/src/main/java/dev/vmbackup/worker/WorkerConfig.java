package dev.vmbackup.worker;

import dev.vmbackup.activities.HostSettings;
import dev.vmbackup.host.config.HostConfig;
import dev.vmbackup.host.config.HostConfigFile;
import io.micronaut.context.annotation.ConfigurationProperties;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * The worker's settings, from {@code application.yml}, system properties or environment variables
 * ({@code VMBACKUP_HOST}, {@code VMBACKUP_REPOSITORY}, ...). How to reach Temporal is not here but in the
 * {@link TemporalConnection} bean.
 */
@ConfigurationProperties("vmbackup")
public class WorkerConfig {
  /** This host's name; host actions for its VMs arrive on {@code vmbackup-host-<host>}. Default: the hostname. */
  private String host;
  /** Repository used when a request names none, unless the configuration file defines repositories. */
  private String repository = "/var/lib/vmbackup/repository";
  /**
   * The host configuration file ({@code --config}, {@code $VMBACKUP_CONFIG}); absent:
   * {@code /etc/vmbackup/vmbackup.yaml} if it exists, else a host without hooks or notifications.
   */
  private String config;
  /** Small state of the worker itself (domain locks). */
  private String stateDir = "/var/lib/vmbackup/state";
  private String libvirtUri = HostSettings.DEFAULT_LIBVIRT_URI;
  private boolean runWorkflows = true;
  private boolean runHostActivities = true;
  /** Host actions (copies, merges, ...) that run at once on this host. */
  private int maxConcurrentHostActivities = 4;
  /** Bandwidth limit of copies into and out of the repository, MiB/s; 0 for none. */
  private long copyBandwidthMib;
  /** Bandwidth limit of block commits, MiB/s; 0 for none. */
  private long mergeBandwidthMib;

  /** Throws {@link IllegalArgumentException} with one line naming the problem of a bad configuration file. */
  public HostSettings hostSettings() {
    HostConfig hostConfig = HostConfigFile.load(HostConfigFile.locate(config, null), Path.of(repository));
    return new HostSettings(effectiveHost(), Path.of(stateDir), libvirtUri,
        copyBandwidthMib << 20, mergeBandwidthMib << 20, hostConfig);
  }

  public String getConfig() {
    return config;
  }

  public void setConfig(String config) {
    this.config = config;
  }

  public long getCopyBandwidthMib() {
    return copyBandwidthMib;
  }

  public void setCopyBandwidthMib(long copyBandwidthMib) {
    this.copyBandwidthMib = copyBandwidthMib;
  }

  public long getMergeBandwidthMib() {
    return mergeBandwidthMib;
  }

  public void setMergeBandwidthMib(long mergeBandwidthMib) {
    this.mergeBandwidthMib = mergeBandwidthMib;
  }

  public String effectiveHost() {
    if (host != null && !host.isBlank()) {
      return host;
    }
    return localHostName();
  }

  /** The machine's short hostname, the default host name everywhere in vmbackup. */
  public static String localHostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env.split("\\.")[0];
    }
    try {
      return InetAddress.getLocalHost().getHostName().split("\\.")[0];
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  public String getHost() {
    return host;
  }

  public void setHost(String host) {
    this.host = host;
  }

  public String getRepository() {
    return repository;
  }

  public void setRepository(String repository) {
    this.repository = repository;
  }

  public String getStateDir() {
    return stateDir;
  }

  public void setStateDir(String stateDir) {
    this.stateDir = stateDir;
  }

  public String getLibvirtUri() {
    return libvirtUri;
  }

  public void setLibvirtUri(String libvirtUri) {
    this.libvirtUri = libvirtUri;
  }

  public boolean isRunWorkflows() {
    return runWorkflows;
  }

  public void setRunWorkflows(boolean runWorkflows) {
    this.runWorkflows = runWorkflows;
  }

  public boolean isRunHostActivities() {
    return runHostActivities;
  }

  public void setRunHostActivities(boolean runHostActivities) {
    this.runHostActivities = runHostActivities;
  }

  public int getMaxConcurrentHostActivities() {
    return maxConcurrentHostActivities;
  }

  public void setMaxConcurrentHostActivities(int maxConcurrentHostActivities) {
    this.maxConcurrentHostActivities = maxConcurrentHostActivities;
  }
}
