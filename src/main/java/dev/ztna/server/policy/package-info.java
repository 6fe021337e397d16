/**
 * Authorization (issue 9 §2, ZTNA-V1 §6): which authenticated identities may register as the
 * Connector and as the Agents of which service. Pure values and matching: depends on Agrona (for
 * {@link org.agrona.DirectBuffer}) and the JDK only, never on {@code loop}, {@code conn}, {@code
 * crypto} or {@code tls}; the {@code relay} enforces it.
 *
 * <h2>Building a policy</h2>
 *
 * <pre>{@code
 * Policy policy =
 *     Policy.builder()
 *         .mode(Policy.Mode.MTLS) // the default; Mode.NONE allows everything (development)
 *         .service("db.internal",
 *             List.of("spiffe://corp.example/connector/db"),  // may register as its Connector
 *             List.of("spiffe://corp.example/user/*"))        // may register as its Agents
 *         .build();
 * }</pre>
 *
 * A configuration file's {@code [auth] mode} maps to {@link dev.ztna.server.policy.Policy.Mode}
 * ({@code "none"}, {@code "mtls"}) and each {@code [[service]]} table's {@code id}, {@code
 * connectors} and {@code agents} to one {@link
 * dev.ztna.server.policy.Policy.Builder#service(String, java.util.Collection, java.util.Collection)
 * service(...)} call; the builder rejects a bad pattern, a duplicate id or an id that is not 1..255
 * UTF-8 bytes with an {@link IllegalArgumentException} naming it.
 *
 * <h2>Patterns</h2>
 *
 * See {@link dev.ztna.server.policy.IdentityPattern}: segments split on {@code /} (a leading {@code
 * scheme://authority} is one segment), {@code *} matches one non-empty segment, {@code **} (last
 * segment only) one or more; everything else is literal and case-sensitive.
 *
 * <h2>Enforcing it</h2>
 *
 * <pre>{@code
 * RelayApplication relay = new RelayApplication(counters, policy);   // at start
 * relay.publishPolicy(newPolicy);    // any thread (SIGHUP handler): applied on the next duty cycle
 * relay.updatePolicy(newPolicy);     // loop thread: applied now
 * }</pre>
 *
 * A REGISTER the policy refuses closes its connection with application error 0x104 and changes
 * nothing else; after a reload, established registrations the new policy forbids are closed with
 * 0x104 too. The identity is {@code ClientConnection.peerIdentity()} (set by mutual TLS).
 */
package dev.ztna.server.policy;
