package dev.coxswain.trainer.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A real file on a disk that fills up: writes go through to the file until {@code room} bytes have
 * been written, the write that crosses it is short, and every write after it fails with "No space
 * left on device" until {@link #makeRoom} is called. Truncating (which frees space) always works.
 */
public final class FullDisk extends FileChannel {
  private final FileChannel file;
  private long room;
  private int failures;

  private FullDisk(FileChannel file, long room) {
    this.file = file;
    this.room = room;
  }

  /** An opener for {@link JsonlEventSink} whose file has {@code room} bytes left. */
  public static JsonlEventSink.Opener withRoom(long room, FullDisk[] opened) {
    return p -> {
      FullDisk d = new FullDisk(JsonlEventSink.Opener.FILE.open(p), room);
      opened[0] = d;
      return d;
    };
  }

  public synchronized void makeRoom(long bytes) {
    room = bytes;
  }

  public synchronized void fill() {
    room = 0;
  }

  public synchronized int failures() {
    return failures;
  }

  @Override
  public synchronized int write(ByteBuffer src) throws IOException {
    if (room <= 0) {
      failures++;
      throw new IOException("No space left on device");
    }
    int n = (int) Math.min(src.remaining(), room);
    ByteBuffer part = src.slice(src.position(), n);
    int written = file.write(part);
    src.position(src.position() + written);
    room -= written;
    return written;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long n = 0;
    for (int i = offset; i < offset + length; i++) {
      n += write(srcs[i]);
    }
    return n;
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    throw new UnsupportedOperationException("the log only appends");
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return file.read(dst);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    return file.read(dsts, offset, length);
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return file.read(dst, position);
  }

  @Override
  public long position() throws IOException {
    return file.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    file.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return file.size();
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    file.truncate(size);
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    file.force(metaData);
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) {
    throw new UnsupportedOperationException();
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) {
    throw new UnsupportedOperationException();
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) {
    throw new UnsupportedOperationException();
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return file.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return file.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    file.close();
  }
}
