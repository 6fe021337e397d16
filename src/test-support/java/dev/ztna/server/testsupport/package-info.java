/**
 * Test support shared by the tests ({@code src/test}) and the perf harness ({@code perf/src}): the
 * ztna-v1 profile of the quiche (Netty) endpoints. Test scope only; nothing in {@code src/main} may
 * use it.
 */
package dev.ztna.server.testsupport;
