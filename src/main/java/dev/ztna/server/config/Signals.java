package dev.ztna.server.config;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Installs a handler for a POSIX signal through {@code sun.misc.Signal} (module {@code
 * jdk.unsupported}, present and exported in every OpenJDK build since 9; Agrona's {@code
 * ShutdownSignalBarrier} relies on the same API). It is called reflectively because javac's
 * "internal proprietary API" warning cannot be suppressed and the build compiles with {@code
 * -Werror}. The JVM runs the handler on a short-lived thread of its own, never the loop thread.
 */
final class Signals {
  private Signals() {}

  /**
   * Runs {@code handler} whenever {@code name} (e.g. {@code "HUP"}) arrives.
   *
   * @return whether the handler was installed (false when the API or the signal is unavailable)
   */
  static boolean handle(String name, Runnable handler) {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object signal = signalClass.getConstructor(String.class).newInstance(name);
      InvocationHandler ih =
          (Object proxy, Method method, Object[] args) -> {
            switch (method.getName()) {
              case "handle":
                handler.run();
                return null;
              case "hashCode":
                return System.identityHashCode(proxy);
              case "equals":
                return proxy == args[0];
              case "toString":
                return "SIG" + name + " handler";
              default:
                throw new UnsupportedOperationException(method.getName());
            }
          };
      Object proxy =
          Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass}, ih);
      signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, proxy);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }
}
