package dev.vmbackup.workflows.schema;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;

/**
 * What a record's canonical constructor does with a null component, found by calling it: the schemas
 * take each field's "required" and "nullable" from here rather than from a list kept by hand, so that a
 * record whose compact constructor starts substituting a default (or refusing null) changes its schema.
 */
final class RecordComponents {
  /** How a component treats null. */
  enum NullHandling {
    /** A primitive: never null, and Jackson reads an absent one as 0 or false. */
    PRIMITIVE,
    /** The constructor throws on null: a caller must send it, and it is never null in a result. */
    REJECTED,
    /** The constructor replaces null with a value (an empty list, a default mode): never null in a result. */
    DEFAULTED,
    /** Null is kept: optional in a request, possibly null in a result. */
    KEPT
  }

  private RecordComponents() {}

  /** How {@code component} of its record treats null, by constructing the record with it null and the rest samples. */
  static NullHandling nullHandling(RecordComponent component) {
    if (component.getType().isPrimitive()) {
      return NullHandling.PRIMITIVE;
    }
    Class<?> record = component.getDeclaringRecord();
    RecordComponent[] components = record.getRecordComponents();
    Object[] arguments = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      arguments[i] = components[i].getName().equals(component.getName())
          ? null : SampleValues.of(components[i].getGenericType());
    }
    Object instance;
    try {
      instance = construct(record, arguments);
    } catch (InvocationTargetException rejected) {
      return NullHandling.REJECTED;
    }
    try {
      return component.getAccessor().invoke(instance) == null ? NullHandling.KEPT : NullHandling.DEFAULTED;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + record.getSimpleName() + "." + component.getName(), e);
    }
  }

  /**
   * A record built through its canonical constructor.
   *
   * @throws InvocationTargetException when the constructor itself refuses the arguments
   */
  static Object construct(Class<?> record, Object[] arguments) throws InvocationTargetException {
    Class<?>[] types = Arrays.stream(record.getRecordComponents()).map(RecordComponent::getType)
        .toArray(Class<?>[]::new);
    try {
      Constructor<?> canonical = record.getDeclaredConstructor(types);
      canonical.setAccessible(true);
      return canonical.newInstance(arguments);
    } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
      throw new IllegalStateException("cannot call the canonical constructor of " + record.getName(), e);
    }
  }
}
