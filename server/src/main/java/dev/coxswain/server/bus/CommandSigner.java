package dev.coxswain.server.bus;

import io.vertx.core.eventbus.DeliveryOptions;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticates messages on the bus with an HMAC-SHA256 of their body under the cluster's secret,
 * so that a trainer takes commands only from a process that holds the secret (Hazelcast open source
 * lets anyone who reaches its port join as a member). The secret itself never travels.
 */
public final class CommandSigner {
  /** The message header that carries the signature. */
  public static final String HEADER = "coxswain-auth";

  private final SecretKeySpec key;

  public CommandSigner(byte[] secret) {
    if (secret.length < 16) {
      throw new IllegalArgumentException("the cluster secret must be at least 16 bytes");
    }
    this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
  }

  /** A fresh random secret, for a process that is its own cluster (all-in-one serve). */
  public static CommandSigner random() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return new CommandSigner(b);
  }

  /** The signature of {@code body}. */
  public String sign(String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** Options for sending {@code body} on the bus with its signature, waiting at most so long. */
  public DeliveryOptions signed(String body, long sendTimeoutMillis) {
    return new DeliveryOptions().addHeader(HEADER, sign(body)).setSendTimeout(sendTimeoutMillis);
  }

  /** Whether {@code signature} is this secret's signature of {@code body} (constant time). */
  public boolean verify(String body, String signature) {
    if (signature == null || body == null) {
      return false;
    }
    return MessageDigest.isEqual(
        sign(body).getBytes(StandardCharsets.UTF_8), signature.getBytes(StandardCharsets.UTF_8));
  }
}
