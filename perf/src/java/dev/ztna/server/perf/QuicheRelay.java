package dev.ztna.server.perf;

import dev.ztna.server.certs.ServerCredentials;
import dev.ztna.server.testsupport.QuicheProfile;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The peer target: a ztna-v1 relay as a user would build one on quiche through Netty's QUIC codec
 * (server side, one event-loop thread, no Retry): OBSERVED_ADDRESS (0x01, IPv4) when a connection
 * becomes active, REGISTER 0x10 (Agent) / 0x11 (Connector, newest wins), Agent to Connector of its
 * service, Connector to the single Agent of its service or to the Agent whose inner IPv4 source
 * matches the inner destination. Same transport parameters as our server's defaults.
 *
 * <p>Usage: {@code QuicheRelay LISTEN_PORT [--retry] [--idle-timeout-ms N]}: {@code --retry} turns
 * on Netty's stateless Retry ({@code InsecureQuicTokenHandler}: an unauthenticated token, as in
 * Netty's examples), the idle timeout defaults to 30000 ms like our server's.
 */
public final class QuicheRelay {
  private QuicheRelay() {}

  /** Per-service state; touched only on the single event-loop thread. */
  private static final class Service {
    Channel connector;
    final List<Conn> agents = new ArrayList<>();
    final Map<Integer, Conn> agentByInnerSource = new HashMap<>();
  }

  private static final Map<String, Service> SERVICES = new HashMap<>();

  /** One connection's handler. */
  private static final class Conn extends ChannelInboundHandlerAdapter {
    int role; // 0 unregistered, 0x10 agent, 0x11 connector
    Service service;
    Channel channel;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      channel = ctx.channel();
      InetSocketAddress remote =
          (InetSocketAddress) ((QuicChannel) ctx.channel()).remoteSocketAddress();
      byte[] ip = remote.getAddress().getAddress();
      if (ip.length == 4) {
        ByteBuf qad = Unpooled.buffer(7);
        qad.writeByte(0x01).writeBytes(ip).writeShort(remote.getPort());
        ChannelFuture unused = ctx.writeAndFlush(qad);
      }
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      ByteBuf b = (ByteBuf) msg;
      if (b.readableBytes() == 0) {
        b.release();
        return;
      }
      int type = b.getUnsignedByte(b.readerIndex());
      if (type == 0x01 || type == 0x02) {
        b.release();
        return;
      }
      if (role == 0) {
        register(ctx, b, type);
        b.release();
        return;
      }
      if (type == 0x10 || type == 0x11) {
        b.release(); // second REGISTER: ignored
        return;
      }
      if (role == 0x10) {
        if (b.readableBytes() >= 20 && (type >>> 4) == 4) {
          service.agentByInnerSource.put(b.getInt(b.readerIndex() + 12), this);
        }
        Channel c = service.connector;
        if (c != null && c.isActive()) {
          ChannelFuture unused = c.writeAndFlush(b);
        } else {
          b.release();
        }
      } else {
        Conn to = null;
        if (service.agents.size() == 1) {
          to = service.agents.get(0);
        } else if (b.readableBytes() >= 20 && (type >>> 4) == 4) {
          to = service.agentByInnerSource.get(b.getInt(b.readerIndex() + 16));
        }
        if (to != null && to.channel.isActive()) {
          ChannelFuture unused = to.channel.writeAndFlush(b);
        } else {
          b.release();
        }
      }
    }

    private void register(ChannelHandlerContext ctx, ByteBuf b, int type) {
      int len = b.readableBytes();
      if ((type != 0x10 && type != 0x11)
          || len < 3
          || b.getUnsignedByte(b.readerIndex() + 1) != len - 2) {
        ChannelFuture unused =
            ((QuicChannel) ctx.channel())
                .close(true, 0x101, Unpooled.copiedBuffer("bad REGISTER", StandardCharsets.UTF_8));
        return;
      }
      String id = b.toString(b.readerIndex() + 2, len - 2, StandardCharsets.UTF_8);
      service = SERVICES.computeIfAbsent(id, k -> new Service());
      role = type;
      if (type == 0x10) {
        service.agents.add(this);
      } else {
        Channel old = service.connector;
        service.connector = ctx.channel();
        if (old != null && old != ctx.channel()) {
          ChannelFuture unused =
              ((QuicChannel) old)
                  .close(true, 0x102, Unpooled.copiedBuffer("replaced", StandardCharsets.UTF_8));
        }
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (service != null) {
        if (role == 0x10) {
          service.agents.remove(this);
          service.agentByInnerSource.values().removeIf(c -> c == this);
        } else if (service.connector == ctx.channel()) {
          service.connector = null;
        }
      }
      super.channelInactive(ctx);
    }
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    boolean retry = false;
    long idleTimeoutMs = 30_000;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--retry":
          retry = true;
          break;
        case "--idle-timeout-ms":
          idleTimeoutMs = Long.parseLong(args[++i]);
          break;
        default:
          throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    ServerCredentials creds =
        ServerCredentials.generateSelfSigned("localhost", ServerCredentials.KeyType.EC_P256);
    QuicSslContext ssl =
        QuicSslContextBuilder.forServer(
                creds.privateKey(), null, creds.certificateChain().toArray(new X509Certificate[0]))
            .applicationProtocols("ztna-v1")
            .build();
    ChannelHandler codec =
        QuicheProfile.apply(new QuicServerCodecBuilder(), idleTimeoutMs)
            .sslContext(ssl)
            .tokenHandler(retry ? InsecureQuicTokenHandler.INSTANCE : QuicheProfile.NO_RETRY)
            .handler(
                new ChannelInitializer<QuicChannel>() {
                  @Override
                  protected void initChannel(QuicChannel ch) {
                    ch.pipeline().addLast(new Conn());
                  }
                })
            .streamHandler(new ChannelInboundHandlerAdapter())
            .build();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Channel udp =
        new Bootstrap()
            .group(group)
            .channel(NioDatagramChannel.class)
            .option(ChannelOption.SO_RCVBUF, 4 << 20)
            .option(ChannelOption.SO_SNDBUF, 4 << 20)
            .handler(codec)
            .bind(new InetSocketAddress("127.0.0.1", port))
            .sync()
            .channel();
    System.out.println(
        "quiche relay on " + udp.localAddress() + " retry=" + retry + " idle=" + idleTimeoutMs);
    udp.closeFuture().sync();
  }
}
