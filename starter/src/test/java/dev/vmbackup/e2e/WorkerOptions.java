package dev.vmbackup.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Extra {@code vmbackup worker} options for the worker of an end-to-end test class. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface WorkerOptions {
  String[] value();
}
