package dev.vmbackup.host.hypervisor;

/**
 * A block job running on one disk.
 *
 * @param type libvirt's job type number (3 = commit, 4 = active commit, 1 = pull, 2 = copy, 5 = backup)
 * @param cur progress so far, in the job's own unit
 * @param end progress at completion; 0 while the job has not yet sized itself
 */
public record BlockJob(int type, long cur, long end) {
  public static final int TYPE_PULL = 1;
  public static final int TYPE_COPY = 2;
  public static final int TYPE_COMMIT = 3;
  public static final int TYPE_ACTIVE_COMMIT = 4;

  /**
   * An active commit (or copy) is ready to pivot once it has mirrored everything: from then on it
   * keeps the two images in step until it is pivoted or cancelled.
   */
  public boolean ready() {
    return end > 0 && cur == end;
  }
}
