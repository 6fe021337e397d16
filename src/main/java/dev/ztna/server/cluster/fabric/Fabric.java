package dev.ztna.server.cluster.fabric;

import dev.ztna.server.cluster.fabric.FabricCounters.Counter;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.BufferClaim;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's end of the fabric: an embedded Aeron media driver, one subscription on this node's
 * endpoint and one exclusive publication to every peer. Offers ({@link #offerToConnector}, {@link
 * #offerToAgent}, {@link #offerAgentGone}) claim space in the peer's publication with {@code
 * tryClaim}, write the {@link FabricHeader}, the service id and the datagram in place and commit:
 * no copy through an intermediate buffer, no allocation, never a wait; when the claim fails the
 * message is dropped and counted by reason ({@code drop_fabric_back_pressure}, {@code
 * drop_fabric_not_connected}, ...). {@link #poll()} reads up to {@link #POLL_LIMIT} messages from
 * the subscription through one {@link FragmentHandler} allocated here and hands well-formed ones to
 * the {@link FabricHandler}.
 *
 * <p>Threading: {@link #start} and {@link #close} on any thread (close after the duty-cycle thread
 * stopped); offers and polls on the duty-cycle thread only. The driver runs its own threads ({@link
 * FabricConfig.Threading}) and the Aeron client its conductor thread.
 *
 * <p>Messages are single Aeron frames (a claim is at most the publication's maximum payload), so no
 * fragment reassembly is needed; Aeron delivers a publication's messages in order and retransmits
 * lost frames (its NAK-based reliability), but a message dropped here at the sender is gone, as a
 * datagram is (ZTNA-V1 §3: unreliable by design).
 */
public final class Fabric implements AutoCloseable {
  /** Offer result: claimed, written and committed. */
  public static final int SENT = 0;

  /** Offer result: dropped (counted under its reason). */
  public static final int DROPPED = -1;

  /** Messages read per {@link #poll()} at most, so that the QUIC sockets are not starved. */
  public static final int POLL_LIMIT = 64;

  private static final Logger LOG = LoggerFactory.getLogger(Fabric.class);

  private final FabricConfig config;
  private final FabricCounters counters;
  private final MediaDriver driver;
  private final Aeron aeron;
  private final Subscription subscription;

  /** Indexed by node id; null at this node's own index. */
  private final ExclusivePublication[] publications;

  private final BufferClaim claim = new BufferClaim();
  private final FabricHeader out = new FabricHeader();
  private final FabricHeader in = new FabricHeader();
  private final FragmentHandler fragmentHandler = this::onFragment;
  private FabricHandler handler;

  private Fabric(
      FabricConfig config,
      FabricCounters counters,
      MediaDriver driver,
      Aeron aeron,
      Subscription subscription,
      ExclusivePublication[] publications) {
    this.config = config;
    this.counters = counters;
    this.driver = driver;
    this.aeron = aeron;
    this.subscription = subscription;
    this.publications = publications;
  }

  /**
   * Launches the media driver in {@link FabricConfig#aeronDir} (deleted first and at close),
   * connects a client, subscribes on this node's endpoint and adds a publication to every peer.
   * Returns at once: publications connect when their peer's subscription is up ({@link
   * #isConnected}).
   *
   * @throws RuntimeException (Aeron's) when the driver cannot start or an endpoint cannot bind
   */
  public static Fabric start(FabricConfig config, FabricCounters counters) {
    MediaDriver.Context driverContext =
        new MediaDriver.Context()
            .aeronDirectoryName(config.aeronDir.toString())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .warnIfDirectoryExists(false)
            .printConfigurationOnStart(false)
            .termBufferSparseFile(true)
            .publicationTermBufferLength(config.termLength)
            .ipcTermBufferLength(FabricConfig.MIN_TERM_LENGTH)
            .mtuLength(config.mtu)
            .errorHandler(t -> LOG.warn("fabric media driver error: {}", t.toString()));
    if (config.threading == FabricConfig.Threading.DEDICATED) {
      driverContext
          .threadingMode(ThreadingMode.DEDICATED)
          .conductorIdleStrategy(idle(config.idle))
          .senderIdleStrategy(idle(config.idle))
          .receiverIdleStrategy(idle(config.idle));
    } else {
      driverContext.threadingMode(ThreadingMode.SHARED).sharedIdleStrategy(idle(config.idle));
    }
    MediaDriver driver = null;
    Aeron aeron = null;
    try {
      driver = MediaDriver.launch(driverContext);
      aeron =
          Aeron.connect(
              new Aeron.Context()
                  .aeronDirectoryName(driver.aeronDirectoryName())
                  .errorHandler(t -> LOG.warn("fabric client error: {}", t.toString())));
      Subscription subscription =
          aeron.addSubscription(channel(config.listen, config), FabricConfig.STREAM_ID);
      ExclusivePublication[] publications = new ExclusivePublication[config.nodes.size()];
      for (int node = 0; node < publications.length; node++) {
        if (node != config.nodeId) {
          publications[node] =
              aeron.addExclusivePublication(
                  channel(config.nodes.get(node), config), FabricConfig.STREAM_ID);
        }
      }
      LOG.info("fabric started: {}", config);
      return new Fabric(config, counters, driver, aeron, subscription, publications);
    } catch (RuntimeException e) {
      CloseHelper.quietCloseAll(aeron, driver);
      throw e;
    }
  }

  private static IdleStrategy idle(FabricConfig.Idle kind) {
    return kind == FabricConfig.Idle.BUSY_SPIN
        ? new BusySpinIdleStrategy()
        : new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
  }

  /** {@code aeron:udp?endpoint=HOST:PORT|mtu=N|term-length=N}. */
  static String channel(InetSocketAddress endpoint, FabricConfig config) {
    String host = endpoint.getHostString();
    if (endpoint.getAddress() instanceof Inet6Address) {
      host = "[" + endpoint.getAddress().getHostAddress() + "]";
    }
    return "aeron:udp?endpoint="
        + host
        + ":"
        + endpoint.getPort()
        + "|mtu="
        + config.mtu
        + "|term-length="
        + config.termLength;
  }

  /** Where polled messages go; set once before the first {@link #poll()}. */
  public void handler(FabricHandler handler) {
    this.handler = handler;
  }

  /** This node's id. */
  public int localNode() {
    return config.nodeId;
  }

  /** How many nodes the fabric has (node ids are 0 .. n-1). */
  public int nodeCount() {
    return publications.length;
  }

  /** The configuration it runs. */
  public FabricConfig config() {
    return config;
  }

  /** The fabric's counters. */
  public FabricCounters counters() {
    return counters;
  }

  /**
   * True when {@code node}'s subscription is connected to this node's publication to it and the
   * publication has window to carry a message. Aeron reports a publication connected as soon as the
   * first status message arrives, but its publication limit is raised by the media driver's
   * conductor on a later duty cycle; until then a claim is back-pressured. Ready means both.
   */
  public boolean isConnected(int node) {
    return node >= 0
        && node < publications.length
        && publications[node] != null
        && publications[node].isConnected()
        && publications[node].availableWindow() > 0;
  }

  /** True when every peer is connected ({@link #isConnected}) and hears this node. */
  public boolean isConnectedToAllPeers() {
    for (int node = 0; node < publications.length; node++) {
      if (node != config.nodeId && !isConnected(node)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The largest datagram an offer to {@code node} can carry with a service id of {@code
   * serviceIdLength} bytes (0 for an unknown node).
   */
  public int maxPayload(int node, int serviceIdLength) {
    if (node < 0 || node >= publications.length || publications[node] == null) {
      return 0;
    }
    return publications[node].maxPayloadLength() - FabricHeader.LENGTH - serviceIdLength;
  }

  /**
   * Offers an Agent's datagram to the Connector of the service on {@code node}.
   *
   * @return {@link #SENT} or {@link #DROPPED} (counted)
   */
  public int offerToConnector(
      int node,
      long agentHandle,
      DirectBuffer serviceId,
      int idOffset,
      int idLength,
      DirectBuffer data,
      int offset,
      int length) {
    return offer(
        node,
        FabricHeader.KIND_TO_CONNECTOR,
        agentHandle,
        0,
        serviceId,
        idOffset,
        idLength,
        data,
        offset,
        length);
  }

  /**
   * Offers a Connector's datagram to the Agent with {@code agentHandle} on {@code node}, or with
   * {@link FabricHeader#SOLE_AGENT} to the only Agent of the service there (then the id is needed;
   * otherwise pass a length of 0).
   *
   * @return {@link #SENT} or {@link #DROPPED} (counted)
   */
  public int offerToAgent(
      int node,
      long agentHandle,
      DirectBuffer serviceId,
      int idOffset,
      int idLength,
      DirectBuffer data,
      int offset,
      int length) {
    return offer(
        node,
        FabricHeader.KIND_TO_AGENT,
        0,
        agentHandle,
        serviceId,
        idOffset,
        idLength,
        data,
        offset,
        length);
  }

  /**
   * Tells {@code node} that the local Agent with {@code agentHandle} left.
   *
   * @return {@link #SENT} or {@link #DROPPED} (counted)
   */
  public int offerAgentGone(int node, long agentHandle) {
    return offer(node, FabricHeader.KIND_AGENT_GONE, agentHandle, 0, null, 0, 0, null, 0, 0);
  }

  private int offer(
      int node,
      int kind,
      long sourceHandle,
      long destinationHandle,
      DirectBuffer serviceId,
      int idOffset,
      int idLength,
      DirectBuffer data,
      int offset,
      int length) {
    if (node < 0 || node >= publications.length || publications[node] == null) {
      counters.increment(Counter.DROP_UNKNOWN_NODE);
      return DROPPED;
    }
    ExclusivePublication publication = publications[node];
    int messageLength = FabricHeader.LENGTH + idLength + length;
    if (messageLength > publication.maxPayloadLength()) {
      counters.increment(Counter.DROP_TOO_BIG);
      return DROPPED;
    }
    long result = publication.tryClaim(messageLength, claim);
    if (result == Publication.ADMIN_ACTION) {
      // The term rotated under the claim: Aeron's advice is to try again at once (once: the next
      // rotation is a term length away).
      result = publication.tryClaim(messageLength, claim);
    }
    if (result < 0) {
      countFailure(result);
      return DROPPED;
    }
    MutableDirectBuffer buffer = claim.buffer();
    int at = claim.offset();
    out.wrap(buffer, at).write(kind, idLength, config.nodeId, sourceHandle, destinationHandle);
    if (idLength > 0) {
      buffer.putBytes(at + FabricHeader.LENGTH, serviceId, idOffset, idLength);
    }
    if (length > 0) {
      buffer.putBytes(at + FabricHeader.LENGTH + idLength, data, offset, length);
    }
    claim.commit();
    counters.increment(Counter.SENT);
    counters.add(Counter.SENT_BYTES, length);
    return SENT;
  }

  private void countFailure(long result) {
    if (result == Publication.BACK_PRESSURED) {
      counters.increment(Counter.DROP_BACK_PRESSURE);
    } else if (result == Publication.NOT_CONNECTED) {
      counters.increment(Counter.DROP_NOT_CONNECTED);
    } else if (result == Publication.ADMIN_ACTION) {
      counters.increment(Counter.DROP_ADMIN_ACTION);
    } else {
      counters.increment(Counter.DROP_CLOSED); // CLOSED, MAX_POSITION_EXCEEDED
    }
  }

  /**
   * Reads up to {@link #POLL_LIMIT} messages from peers and hands them to the handler.
   *
   * @return the number of messages read
   */
  public int poll() {
    return subscription.poll(fragmentHandler, POLL_LIMIT);
  }

  private void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
    FabricHeader h = in.wrap(buffer, offset);
    int sourceNode = length >= FabricHeader.LENGTH ? h.sourceNode() : -1;
    if (h.validate(length) != FabricHeader.OK
        || sourceNode >= publications.length
        || sourceNode == config.nodeId
        || handler == null) {
      counters.increment(Counter.DROP_MALFORMED);
      return;
    }
    int payloadLength = h.payloadLength(length);
    counters.increment(Counter.RECEIVED);
    counters.add(Counter.RECEIVED_BYTES, payloadLength);
    switch (h.kind()) {
      case FabricHeader.KIND_TO_CONNECTOR:
        handler.onToConnector(
            sourceNode,
            h.sourceHandle(),
            buffer,
            h.serviceIdOffset(),
            h.serviceIdLength(),
            h.payloadOffset(),
            payloadLength);
        break;
      case FabricHeader.KIND_TO_AGENT:
        handler.onToAgent(
            sourceNode,
            h.destinationHandle(),
            buffer,
            h.serviceIdOffset(),
            h.serviceIdLength(),
            h.payloadOffset(),
            payloadLength);
        break;
      default:
        handler.onAgentGone(sourceNode, h.sourceHandle());
        break;
    }
  }

  /** Closes the publications, the subscription, the client and the driver (deleting its dir). */
  @Override
  public void close() {
    CloseHelper.quietCloseAll(aeron, driver);
    LOG.info("fabric node {} stopped", config.nodeId);
  }
}
