package dev.vmbackup.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class that restarts or kills libvirtd (or otherwise disturbs the whole host). The other
 * end-to-end classes run two at a time in separate JVMs, each with its own dev server, worker and
 * guests, because they mostly wait; a class marked with this runs alone afterwards, since a libvirtd
 * restart would break the guests and block jobs of whatever runs beside it. See starter/pom.xml.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(RestartsLibvirtd.TAG)
@interface RestartsLibvirtd {
  String TAG = "restarts-libvirtd";
}
