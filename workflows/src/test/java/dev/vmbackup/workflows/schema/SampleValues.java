package dev.vmbackup.workflows.schema;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;

/**
 * A value of any type that crosses a workflow boundary, with every field set: records through their
 * canonical constructors, so that what a sample holds is what a real instance could hold. The schema
 * tests serialize these; {@link RecordComponents} builds records with one field null and the rest from here.
 */
final class SampleValues {
  private SampleValues() {}

  /** A sample of {@code type}; {@code variant} picks among the constants of the enums inside it. */
  static Object of(Type type, int variant) {
    if (type instanceof ParameterizedType parameterized) {
      Class<?> raw = (Class<?>) parameterized.getRawType();
      Type[] arguments = parameterized.getActualTypeArguments();
      if (List.class.isAssignableFrom(raw)) {
        return List.of(of(arguments[0], variant));
      }
      if (Map.class.isAssignableFrom(raw)) {
        return Map.of(of(arguments[0], variant), of(arguments[1], variant));
      }
      throw new IllegalArgumentException("no sample for " + type + ": add it to SampleValues");
    }
    Class<?> cls = (Class<?>) type;
    if (cls == String.class) {
      return "sample";
    }
    if (cls == Integer.class || cls == int.class) {
      return 3;
    }
    if (cls == Long.class || cls == long.class) {
      return 4096L;
    }
    if (cls == Boolean.class || cls == boolean.class) {
      return true;
    }
    if (cls.isEnum()) {
      Object[] constants = cls.getEnumConstants();
      return constants[variant % constants.length];
    }
    if (cls.isRecord()) {
      RecordComponent[] components = cls.getRecordComponents();
      Object[] arguments = new Object[components.length];
      for (int i = 0; i < components.length; i++) {
        arguments[i] = of(components[i].getGenericType(), variant);
      }
      try {
        return RecordComponents.construct(cls, arguments);
      } catch (InvocationTargetException e) {
        throw new IllegalStateException(cls.getSimpleName() + " refuses its sample values: add a case to SampleValues",
            e.getCause());
      }
    }
    throw new IllegalArgumentException("no sample for " + type + ": add it to SampleValues");
  }

  static Object of(Type type) {
    return of(type, 0);
  }

  /** A record of {@code type} with every field that may be null left null, as a minimal request sends it. */
  static Object minimal(Class<?> record) {
    RecordComponent[] components = record.getRecordComponents();
    Object[] arguments = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponents.NullHandling handling = RecordComponents.nullHandling(components[i]);
      arguments[i] = switch (handling) {
        case PRIMITIVE, REJECTED -> of(components[i].getGenericType());
        case DEFAULTED, KEPT -> null;
      };
    }
    try {
      return RecordComponents.construct(record, arguments);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException(record.getSimpleName() + " refuses its minimal sample", e.getCause());
    }
  }

  /** How many samples it takes to see every constant of every enum inside {@code type}. */
  static int variants(Type type) {
    return variants(type, 0);
  }

  private static int variants(Type type, int depth) {
    if (depth > 8) {
      return 1;
    }
    if (type instanceof ParameterizedType parameterized) {
      int most = 1;
      for (Type argument : parameterized.getActualTypeArguments()) {
        most = Math.max(most, variants(argument, depth + 1));
      }
      return most;
    }
    Class<?> cls = (Class<?>) type;
    if (cls.isEnum()) {
      return cls.getEnumConstants().length;
    }
    int most = 1;
    if (cls.isRecord()) {
      for (RecordComponent component : cls.getRecordComponents()) {
        most = Math.max(most, variants(component.getGenericType(), depth + 1));
      }
    }
    return most;
  }
}
