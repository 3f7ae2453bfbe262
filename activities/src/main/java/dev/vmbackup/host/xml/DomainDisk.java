package dev.vmbackup.host.xml;

import dev.vmbackup.workflows.model.ImageLayer;
import java.util.List;

/**
 * A {@code <disk>} element of a domain definition.
 *
 * @param target {@code <target dev>}, e.g. {@code vda}
 * @param device {@code disk}, {@code cdrom}, {@code floppy} or {@code lun}
 * @param type {@code file}, {@code block}, {@code network}, {@code volume} or {@code dir}
 * @param source the source file (type file) or device (type block), else null
 * @param format {@code <driver type>}, e.g. {@code qcow2} or {@code raw}; null if absent
 * @param readOnly {@code <readonly/>} present
 * @param shareable {@code <shareable/>} present
 * @param backingChain from the live XML's nested {@code <backingStore>} elements, nearest first; only
 *     file-backed layers with a format; empty when absent (inactive XML) or ending in {@code <backingStore/>}
 */
public record DomainDisk(
    String target,
    String device,
    String type,
    String source,
    String format,
    boolean readOnly,
    boolean shareable,
    List<ImageLayer> backingChain) {
  public DomainDisk {
    backingChain = backingChain == null ? List.of() : List.copyOf(backingChain);
  }
}
