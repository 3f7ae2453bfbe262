package dev.vmbackup.workflows.model;

import java.util.List;

/**
 * Where one disk's retained chain goes on restore.
 *
 * @param target guest device name
 * @param chain the active image first, then its backing layers nearest first; after copying, each
 *     image's backing reference is rewritten to the next one's destination
 */
public record DiskPlacement(String target, List<FilePlacement> chain) {
  public DiskPlacement {
    chain = chain == null ? List.of() : List.copyOf(chain);
  }

  public FilePlacement active() {
    return chain.get(0);
  }
}
