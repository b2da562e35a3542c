package dev.log4shield.hotpatch;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;

/**
 * Stays installed after the agent returns, so a JndiLookup loaded later (a web
 * app deployed after the patch, a plugin class loader) is patched as it loads.
 * Decides on the bytes alone (ClassPatch); never throws into the class loader.
 */
final class JndiLookupTransformer implements ClassFileTransformer {
  // The class retransformClasses() just patched on this thread: retransformation
  // calls the transformer synchronously, so the agent learns what it patched.
  private final ThreadLocal<Class<?>> lastPatched = new ThreadLocal<Class<?>>();

  @Override
  public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
      ProtectionDomain protectionDomain, byte[] classfileBuffer) {
    try {
      byte[] patched = ClassPatch.patch(classfileBuffer);
      if (patched != null && classBeingRedefined != null) {
        lastPatched.set(classBeingRedefined);
      }
      return patched;
    } catch (Throwable t) {
      return null;  // leave the class as it is rather than break the application
    }
  }

  /** Whether the last retransformation on this thread patched c; clears the record. */
  boolean takePatched(Class<?> c) {
    Class<?> last = lastPatched.get();
    lastPatched.remove();
    return last == c;
  }
}
