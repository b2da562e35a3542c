package dev.log4shield.hotpatch;

/**
 * Recognises log4j-core's JndiLookup in a class file, under any package, and
 * rewrites its lookup methods to {@code return null;}.
 *
 * <p>Recognition looks at what the class is and references, so copies shaded
 * under a renamed package (even with a renamed suffix) are found:
 * <ul>
 *   <li>its super class ends with {@code /lookup/AbstractLookup} or it
 *       implements an interface ending with {@code /lookup/StrLookup}
 *       (2.0-beta9 .. 2.0-rc1 implement StrLookup directly);</li>
 *   <li>its constant pool holds the string {@code java:comp/env/} (every
 *       release's CONTAINER_JNDI_RESOURCE_PATH_PREFIX) and a class reference
 *       ending with {@code /JndiManager} (2.1 and later) or in
 *       {@code javax/naming/}, and no string naming a JndiLookup class (the
 *       Interpolator of 2.3.x extends AbstractLookup and uses JndiManager);</li>
 *   <li>it has a non-abstract method {@code lookup} returning String.</li>
 * </ul>
 *
 * <p>The rewrite replaces only the Code attribute of each such method with
 * {@code aconst_null; areturn} (max_stack 1, max_locals kept, no exception
 * table, no sub-attributes: straight-line code needs no StackMapTable). Every
 * other byte is kept, as retransformation requires.
 *
 * <p>Self-contained on purpose (byte arrays and Strings only, no nested
 * classes): the transformer keeps calling it after the agent jar may have been
 * deleted, so nothing may need loading from the jar later.
 */
final class ClassPatch {
  private ClassPatch() {}

  /** Patched class bytes, or null when the class is not a JndiLookup or cannot be parsed. */
  static byte[] patch(byte[] b) {
    try {
      return patchOrNull(b);
    } catch (RuntimeException e) {
      // Truncated or malformed class file (index out of bounds...): not a candidate.
      return null;
    }
  }

  private static int u1(byte[] b, int p) {
    return b[p] & 0xff;
  }

  private static int u2(byte[] b, int p) {
    return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
  }

  private static int u4(byte[] b, int p) {
    return (u2(b, p) << 16) | u2(b, p + 2);
  }

  private static void put2(byte[] b, int p, int v) {
    b[p] = (byte) (v >>> 8);
    b[p + 1] = (byte) v;
  }

  private static void put4(byte[] b, int p, int v) {
    put2(b, p, v >>> 16);
    put2(b, p + 2, v);
  }

  private static byte[] patchOrNull(byte[] b) {
    if (b == null || b.length < 10 || u4(b, 0) != 0xCAFEBABE) {
      return null;
    }
    int cpCount = u2(b, 8);
    int[] at = new int[cpCount];  // offset of each constant's tag
    int p = 10;
    boolean prefixText = false;
    for (int i = 1; i < cpCount; i++) {
      at[i] = p;
      switch (u1(b, p)) {
        case 1:                                                 // Utf8
          prefixText |= utf8Matches(b, at, i, CONTAINER_PREFIX, EQUALS);
          p += 3 + u2(b, p + 1);
          break;
        case 3: case 4: p += 5; break;                          // Integer, Float
        case 5: case 6: p += 9; i++; break;                     // Long, Double: two slots
        case 7: case 8: case 16: case 19: case 20: p += 3; break;  // Class, String, MethodType, Module, Package
        case 15: p += 4; break;                                 // MethodHandle
        case 9: case 10: case 11: case 12: case 17: case 18: p += 5; break;
        default: return null;
      }
    }
    if (p > b.length || !prefixText) {
      return null;  // the common case, decided without allocating
    }

    // Cheap checks on the constant pool before walking members.
    boolean containerPrefix = false;  // "java:comp/env/"
    boolean jndiAccess = false;       // uses JndiManager or javax.naming itself
    for (int i = 1; i < cpCount; i++) {
      int tag = at[i] == 0 ? 0 : u1(b, at[i]);
      if (tag == 8) {
        int value = u2(b, at[i] + 1);
        if (utf8Matches(b, at, value, CONTAINER_PREFIX, EQUALS)) {
          containerPrefix = true;
        } else if (utf8Matches(b, at, value, ".lookup.JndiLookup", ENDS)) {
          return null;  // names JndiLookup to load it: the Interpolator, not the lookup
        }
      } else if (tag == 7) {
        int name = u2(b, at[i] + 1);
        if (utf8Matches(b, at, name, "/JndiManager", ENDS) || utf8Matches(b, at, name, "javax/naming/", STARTS)) {
          jndiAccess = true;
        }
      }
    }
    if (!containerPrefix || !jndiAccess) {
      return null;
    }
    int superName = classNameIndex(b, at, u2(b, p + 4));
    boolean lookupType = utf8Matches(b, at, superName, "/lookup/AbstractLookup", ENDS)
        || utf8Matches(b, at, superName, "lookup/AbstractLookup", EQUALS);
    int interfaces = u2(b, p + 6);
    p += 8;
    for (int i = 0; i < interfaces; i++, p += 2) {
      int name = classNameIndex(b, at, u2(b, p));
      if (utf8Matches(b, at, name, "/lookup/StrLookup", ENDS) || utf8Matches(b, at, name, "lookup/StrLookup", EQUALS)) {
        lookupType = true;
      }
    }
    if (!lookupType) {
      return null;
    }

    p = skipMembers(b, p);  // fields
    int methods = u2(b, p);
    p += 2;
    // Offsets of the Code attributes to replace (at most one per method).
    int[] codeAt = new int[methods];
    int found = 0;
    for (int m = 0; m < methods; m++) {
      int access = u2(b, p);
      boolean target = (access & 0x0500) == 0  // neither native nor abstract
          && utf8Matches(b, at, u2(b, p + 2), "lookup", EQUALS)
          && utf8Matches(b, at, u2(b, p + 4), ")Ljava/lang/String;", ENDS);
      int attrs = u2(b, p + 6);
      p += 8;
      for (int a = 0; a < attrs; a++) {
        int length = u4(b, p + 2);
        if (length < 0 || p + 6 + length > b.length) {
          return null;
        }
        if (target && utf8Matches(b, at, u2(b, p), "Code", EQUALS)) {
          codeAt[found++] = p;
        }
        p += 6 + length;
      }
    }
    skipAttributes(b, p);  // validates the tail
    if (found == 0) {
      return null;
    }

    // New Code attribute body: max_stack, max_locals, code_length, code,
    // exception_table_length, attributes_count.
    final int newLength = 14;
    int size = b.length;
    for (int i = 0; i < found; i++) {
      size += newLength - u4(b, codeAt[i] + 2);
    }
    byte[] out = new byte[size];
    int from = 0;
    int to = 0;
    for (int i = 0; i < found; i++) {
      int c = codeAt[i];
      System.arraycopy(b, from, out, to, c - from);
      to += c - from;
      int maxLocals = u2(b, c + 8);
      put2(out, to, u2(b, c));        // attribute_name_index ("Code")
      put4(out, to + 2, newLength);
      put2(out, to + 6, 1);           // max_stack
      put2(out, to + 8, maxLocals);
      put4(out, to + 10, 2);          // code_length
      out[to + 14] = 0x01;            // aconst_null
      out[to + 15] = (byte) 0xb0;     // areturn
      put2(out, to + 16, 0);          // exception_table_length
      put2(out, to + 18, 0);          // attributes_count
      to += 6 + newLength;
      from = c + 6 + u4(b, c + 2);
    }
    System.arraycopy(b, from, out, to, b.length - from);
    return out;
  }

  private static int skipMembers(byte[] b, int p) {
    int count = u2(b, p);
    p += 2;
    for (int i = 0; i < count; i++) {
      p = skipAttributes(b, p + 6);
    }
    return p;
  }

  private static int skipAttributes(byte[] b, int p) {
    int count = u2(b, p);
    p += 2;
    for (int i = 0; i < count; i++) {
      int length = u4(b, p + 2);
      if (length < 0 || p + 6 + length > b.length) {
        throw new IndexOutOfBoundsException("attribute past the end");
      }
      p += 6 + length;
    }
    return p;
  }

  private static final String CONTAINER_PREFIX = "java:comp/env/";
  private static final int EQUALS = 0;
  private static final int STARTS = 1;
  private static final int ENDS = 2;

  /**
   * Whether the Utf8 constant at index i equals, starts or ends with the ASCII
   * text s, compared in place: the transformer sees every class the JVM loads.
   */
  private static boolean utf8Matches(byte[] b, int[] at, int i, String s, int mode) {
    if (i <= 0 || i >= at.length || at[i] == 0 || u1(b, at[i]) != 1) {
      return false;
    }
    int length = u2(b, at[i] + 1);
    int n = s.length();
    if (mode == EQUALS ? length != n : length < n) {
      return false;
    }
    int from = at[i] + 3 + (mode == ENDS ? length - n : 0);
    for (int k = 0; k < n; k++) {
      if (b[from + k] != (byte) s.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** The Utf8 index holding the name of the Class constant at index i, or 0. */
  private static int classNameIndex(byte[] b, int[] at, int i) {
    if (i <= 0 || i >= at.length || at[i] == 0 || u1(b, at[i]) != 7) {
      return 0;
    }
    return u2(b, at[i] + 1);
  }
}
