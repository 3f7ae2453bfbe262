package dev.vmbackup.starter;

import dev.vmbackup.activities.HostSettings;
import picocli.CommandLine.Option;

/**
 * Which libvirt daemon vmbackup talks to: the commands that reach libvirt themselves (the embedded
 * worker, the sanoid hook, the demo) use it, and {@code worker} and {@code server} pass it on as the
 * worker's {@code vmbackup.libvirt-uri}. Without either, {@link HostSettings#DEFAULT_LIBVIRT_URI}.
 */
public class LibvirtOptions {
  @Option(names = "--libvirt-uri", paramLabel = "URI",
      description = "libvirt connection URI (default: $VMBACKUP_LIBVIRT_URI, else qemu:///system).")
  String uri;

  /** The URI the user gave (option, then environment), else the system daemon's. */
  String uri() {
    return HostSettings.libvirtUri(uri);
  }
}
