package dev.ztna.server.cli;

/** Entry point placeholder. */
public final class Main {
  private Main() {}

  /** Starts the server. */
  public static void main(String[] args) {
    System.out.println("ztna");
  }
}
