package dev.vmbackup.workflows;

import java.util.regex.Pattern;

/**
 * Names of the overlays strategy {@code chain} creates: {@code <image>.vmbackup-chain-<backupId>.qcow2}
 * beside the VM's own image. The name carries the backup that created it and never matches the
 * temporary overlays of strategy full ({@code .vmbackup-<backupId>.qcow2}) or a user's own files.
 */
public final class ChainOverlayNames {
  /** Group 1 is the VM's own image, group 2 the backup id. */
  public static final Pattern PATTERN = Pattern.compile("(.*)\\.vmbackup-chain-(\\d{8}T\\d{6}Z)\\.qcow2");

  private ChainOverlayNames() {}

  public static boolean isChainOverlay(String path) {
    return PATTERN.matcher(path).matches();
  }
}
