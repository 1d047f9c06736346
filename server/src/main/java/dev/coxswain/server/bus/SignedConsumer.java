package dev.coxswain.server.bus;

import io.vertx.core.Handler;
import io.vertx.core.eventbus.Message;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one check in front of every consumer of a signed address: a message without the cluster's
 * signature is refused ({@link Wire#UNAUTHORIZED}), a signed one that does not decode is refused
 * naming its bad field ({@link Wire.Refusal}), and only then does the consumer get it, decoded.
 *
 * @param <T> what the body decodes to
 */
public final class SignedConsumer<T> implements Handler<Message<String>> {
  private final CommandSigner signer;
  private final Function<String, T> decoder;
  private final BiConsumer<Message<String>, T> consumer;
  private final Consumer<Message<String>> onForged;

  private SignedConsumer(
      CommandSigner signer,
      Function<String, T> decoder,
      BiConsumer<Message<String>, T> consumer,
      Consumer<Message<String>> onForged) {
    this.signer = signer;
    this.decoder = decoder;
    this.consumer = consumer;
    this.onForged = onForged;
  }

  /**
   * @param decoder the body's decoder: throws {@link Wire.Refusal} for a message it cannot take
   * @param consumer gets the message (to reply to) and its decoded body
   */
  public static <T> SignedConsumer<T> of(
      CommandSigner signer, Function<String, T> decoder, BiConsumer<Message<String>, T> consumer) {
    return new SignedConsumer<>(signer, decoder, consumer, m -> {});
  }

  /** For a request whose body says nothing: the consumer gets the message only. */
  public static SignedConsumer<String> any(
      CommandSigner signer, Consumer<Message<String>> consumer) {
    return of(signer, body -> body, (m, body) -> consumer.accept(m));
  }

  /**
   * The same, also telling {@code hook} of each unsigned or forged message before it is refused.
   */
  public SignedConsumer<T> onForged(Consumer<Message<String>> hook) {
    return new SignedConsumer<>(signer, decoder, consumer, hook);
  }

  @Override
  public void handle(Message<String> msg) {
    if (!signer.verify(msg.body(), msg.headers().get(CommandSigner.HEADER))) {
      onForged.accept(msg);
      msg.fail(Wire.UNAUTHORIZED, "not signed with the cluster's secret: refused");
      return;
    }
    T decoded;
    try {
      decoded = decoder.apply(msg.body());
    } catch (Wire.Refusal r) {
      msg.fail(r.code(), r.getMessage());
      return;
    }
    consumer.accept(msg, decoded);
  }
}
