package dev.vmbackup.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test class that restarts or kills libvirtd (or otherwise disturbs the whole host). The other
 * classes against the real host run two at a time in separate JVMs, each with its own guests (and, end
 * to end, its own dev server and worker), because they mostly wait; a class marked with this runs alone
 * afterwards, since a libvirtd restart would break the guests and block jobs of whatever runs beside it.
 * See the surefire configuration in the parent pom.xml.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(RestartsLibvirtd.TAG)
public @interface RestartsLibvirtd {
  String TAG = "restarts-libvirtd";
}
