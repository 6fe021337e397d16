package dev.ztna.server.conn;

import java.net.InetSocketAddress;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network paths of one connection (RFC 9000 §8.2, §9), in the manner of quiche's {@code
 * path.rs}: the current peer address with its anti-amplification budget (§8.1), a candidate path
 * being validated with PATH_CHALLENGE (its own budget, retries and abandonment deadline), the last
 * validated path kept as a fallback while the connection sends on an unvalidated one (§9.3.2), and
 * the PATH_RESPONSE frames owed to the current path or to a probing address (§8.2.2).
 *
 * <p>The candidate's and fallback's state is created when a packet first arrives from a new
 * address. The connection decides when to write the probe packet ({@link #hasProbe}, {@link
 * #prepareProbe}); this class decides what it carries and which budget pays for it.
 * Single-threaded.
 */
final class Paths {
  private static final Logger LOG = LoggerFactory.getLogger(Paths.class);

  /** {@link #onPacketFromNewAddress}: the connection keeps its current peer. */
  static final int STAYED = 0;

  /** {@link #onPacketFromNewAddress}: it now sends to a new port of the same IP address. */
  static final int MIGRATED_PORT = 1;

  /**
   * {@link #onPacketFromNewAddress}: it now sends to a new IP address (fresh congestion state,
   * §9.4).
   */
  static final int MIGRATED_ADDRESS = 2;

  /** Path challenges sent to a candidate before validation fails. */
  static final int MAX_CHALLENGES = 3;

  private final int minInitialDatagram;
  private final AmplificationLimiter amp;
  private InetSocketAddress peer;
  private InetSocketAddress destination;

  private InetSocketAddress candidate;
  private AmplificationLimiter candidateAmp;
  private long candidateChallenge;
  private boolean candidateChallengePending;
  private long candidateChallengeDeadline = PacketNumberSpace.NO_TIME;
  private int candidateChallengeTries;
  // RFC 9000 §8.2.4: validation is abandoned at this time even if the anti-amplification limit
  // kept the challenge from being (re)sent.
  private long candidateAbandonAt = PacketNumberSpace.NO_TIME;
  private boolean candidateNonProbing;

  // The last validated path while the connection sends on an unvalidated one (RFC 9000 §9.3.2).
  private InetSocketAddress fallbackPeer;
  private AmplificationLimiter fallbackAmp;

  private boolean pathResponsePending;
  private long pathResponseData;
  private boolean probeResponsePending;
  private long probeResponseData;
  private InetSocketAddress probeResponseAddr;
  // RFC 9000 §8.2.1, §9.3: a PATH_RESPONSE to an address that is not (or no longer) the path
  // candidate still goes to an unvalidated address: at most 3x what came from it.
  private AmplificationLimiter probeResponseAmp;

  // The probe being written (prepareProbe .. onProbeSent).
  private InetSocketAddress probeTo;
  private AmplificationLimiter probeLimiter;

  /**
   * @param amp the current path's budget (shared with the loss detector, which unblocks on it)
   * @param minInitialDatagram the size a probe datagram is padded to (RFC 9000 §8.2.1, §14.1)
   */
  Paths(InetSocketAddress peer, AmplificationLimiter amp, int minInitialDatagram) {
    this.peer = peer;
    this.destination = peer;
    this.amp = amp;
    this.minInitialDatagram = minInitialDatagram;
  }

  /** The peer address the connection sends to. */
  InetSocketAddress peer() {
    return peer;
  }

  /** The current path's anti-amplification budget. */
  AmplificationLimiter amplification() {
    return amp;
  }

  /** Where the datagram written last goes. */
  InetSocketAddress destination() {
    return destination;
  }

  /** The next datagram goes to the current peer. */
  void sendToPeer() {
    destination = peer;
  }

  /**
   * Counts a received datagram against the budget of the path it came from.
   *
   * @return whether it came from the current peer ({@code from == null}: a test without addresses)
   */
  boolean onDatagramReceived(InetSocketAddress from, int len) {
    if (from == null || from.equals(peer)) {
      amp.onDatagramReceived(len);
      return true;
    }
    if (candidate != null && from.equals(candidate)) {
      candidateAmp.onDatagramReceived(len);
    }
    if (probeResponseAmp != null && from.equals(probeResponseAddr)) {
      probeResponseAmp.onDatagramReceived(len);
    }
    return false;
  }

  /** A PATH_CHALLENGE from {@code from} in a datagram of {@code datagramLength} bytes (§8.2.2). */
  void onPathChallenge(InetSocketAddress from, long data, int datagramLength) {
    if (from == null || from.equals(peer)) {
      pathResponsePending = true;
      pathResponseData = data;
      return;
    }
    probeResponsePending = true;
    probeResponseData = data;
    if (!from.equals(probeResponseAddr)) {
      probeResponseAddr = from;
      if (probeResponseAmp == null) {
        probeResponseAmp = new AmplificationLimiter();
      }
      probeResponseAmp.reset();
      probeResponseAmp.onDatagramReceived(datagramLength);
    }
  }

  /** A PATH_RESPONSE for the current path is due (it rides in an ordinary 1-RTT packet). */
  boolean hasPathResponse() {
    return pathResponsePending;
  }

  long takePathResponse() {
    pathResponsePending = false;
    return pathResponseData;
  }

  /**
   * A 1-RTT packet came from {@code from}, not the current peer.
   *
   * @param nonProbing it carried a non-probing frame
   * @param largest it has the largest packet number received so far
   * @param pto the current PTO (the candidate is abandoned after three times the larger of it and a
   *     new path's initial PTO, §8.2.4)
   * @return {@link #STAYED}, {@link #MIGRATED_PORT} or {@link #MIGRATED_ADDRESS}
   */
  int onPacketFromNewAddress(
      InetSocketAddress from,
      boolean nonProbing,
      boolean largest,
      int datagramLength,
      long pto,
      RandomGenerator random,
      long now) {
    boolean migrate = nonProbing && largest;
    if (!migrate && candidate != null && candidate.equals(peer)) {
      return STAYED; // a late or probing packet must not abandon validating the path we send on
    }
    if (candidate == null || !from.equals(candidate)) {
      candidate = from;
      candidateAmp = new AmplificationLimiter();
      candidateAmp.onDatagramReceived(datagramLength);
      candidateChallenge = random.nextLong();
      candidateChallengePending = true;
      candidateChallengeTries = 0;
      candidateNonProbing = false;
      // Three times the larger of the current PTO and a new path's (kInitialRtt, RFC 9002 §6.2.2).
      long initialPto = 3 * RttEstimator.INITIAL_RTT_NANOS;
      candidateAbandonAt = now + 3 * Math.max(pto, initialPto);
      LOG.debug("packet from new address {}, validating the path", from);
    }
    if (!migrate) {
      return STAYED;
    }
    candidateNonProbing = true;
    return migrateUnvalidated(from);
  }

  /**
   * RFC 9000 §9.3: the peer's highest-numbered non-probing packet came from {@code to}, so the
   * server sends there at once, within 3x what it received from it until validated (§8.2, §9.4);
   * the PATH_CHALLENGE already pending for it validates it in parallel.
   */
  private int migrateUnvalidated(InetSocketAddress to) {
    if (amp.isValidated()) {
      if (fallbackAmp == null) {
        fallbackAmp = new AmplificationLimiter(minInitialDatagram);
      }
      fallbackAmp.copyFrom(amp);
      fallbackPeer = peer;
    }
    boolean portOnly = peer.getAddress() != null && peer.getAddress().equals(to.getAddress());
    peer = to;
    amp.copyFrom(candidateAmp);
    return portOnly ? MIGRATED_PORT : MIGRATED_ADDRESS;
  }

  /**
   * A PATH_RESPONSE (§8.2.3).
   *
   * @return the newly validated address the connection migrates to, or null
   */
  InetSocketAddress onPathResponse(long data) {
    if (candidate == null || data != candidateChallenge) {
      return null;
    }
    InetSocketAddress validated = candidate;
    boolean migrate = candidateNonProbing;
    candidate = null;
    candidateAmp = null;
    candidateChallengePending = false;
    candidateChallengeDeadline = PacketNumberSpace.NO_TIME;
    if (validated.equals(peer)) {
      amp.markValidated();
      fallbackPeer = null;
    }
    if (!migrate) {
      return null;
    }
    peer = validated;
    return validated;
  }

  /** The candidate being validated, null if none. */
  InetSocketAddress candidate() {
    return candidate;
  }

  /** The earliest path timer: the next challenge retry or the candidate's abandonment. */
  long nextTimeout() {
    long t = candidateChallengeDeadline;
    if (candidate != null) {
      t = Math.min(t, candidateAbandonAt);
    }
    return t;
  }

  /**
   * Path timers: a challenge is retried, or after {@link #MAX_CHALLENGES} tries (or past the
   * abandonment deadline) validation fails.
   *
   * @return true when the connection fell back to its last validated path (RFC 9000 §9.3.2)
   */
  boolean onTimeout(long now) {
    if (now < candidateChallengeDeadline && (candidate == null || now < candidateAbandonAt)) {
      return false;
    }
    candidateChallengeDeadline = PacketNumberSpace.NO_TIME;
    if (candidate == null) {
      return false;
    }
    if (candidateChallengeTries < MAX_CHALLENGES && now < candidateAbandonAt) {
      candidateChallengePending = true;
      return false;
    }
    LOG.debug("path validation to {} failed", candidate);
    boolean fellBack = false;
    if (candidate.equals(peer) && fallbackPeer != null) {
      peer = fallbackPeer;
      amp.copyFrom(fallbackAmp);
      fallbackPeer = null;
      fellBack = true;
    }
    candidate = null;
    candidateAmp = null;
    candidateChallengePending = false;
    return fellBack;
  }

  /** A probe datagram (PATH_CHALLENGE and/or PATH_RESPONSE to another address) is due. */
  boolean hasProbe() {
    return candidateChallengePending || probeResponsePending;
  }

  /**
   * Picks where the due probe goes and the budget that pays for it.
   *
   * @return the probe datagram's size allowed by that budget (at most the padded size)
   */
  int prepareProbe(int maxLen) {
    AmplificationLimiter limiter = null;
    if (candidateChallengePending) {
      probeTo = candidate;
      limiter = candidate.equals(peer) ? amp : candidateAmp;
    } else {
      probeTo = probeResponseAddr;
      if (probeTo.equals(peer)) {
        limiter = amp;
      } else if (candidate != null && probeTo.equals(candidate)) {
        limiter = candidateAmp;
      }
    }
    if (limiter == null) {
      // Not the candidate: the current (validated) path, or an address that is no longer the
      // candidate, still unvalidated (RFC 9000 §9.3).
      limiter = probeTo.equals(peer) ? amp : probeResponseAmp;
    }
    probeLimiter = limiter;
    return Math.min(maxLen, Math.min(limiter.sendAllowance(), minInitialDatagram));
  }

  /** Whether the prepared probe carries the candidate's PATH_CHALLENGE. */
  boolean probeCarriesChallenge() {
    return candidateChallengePending && probeTo == candidate;
  }

  /** The challenge data, now sent; its retry is due at {@code retryAt}. */
  long takeChallenge(long retryAt) {
    candidateChallengePending = false;
    candidateChallengeTries++;
    candidateChallengeDeadline = retryAt;
    return candidateChallenge;
  }

  /** Whether the prepared probe carries the PATH_RESPONSE owed to a probing address. */
  boolean probeCarriesResponse() {
    return probeResponsePending && probeTo.equals(probeResponseAddr);
  }

  long takeProbeResponse() {
    probeResponsePending = false;
    return probeResponseData;
  }

  /** The prepared probe of {@code n} bytes was sent. */
  void onProbeSent(int n) {
    probeLimiter.onDatagramSent(n);
    if (probeLimiter == candidateAmp && probeTo.equals(probeResponseAddr)) {
      probeResponseAmp.onDatagramSent(n);
    }
    destination = probeTo;
  }
}
