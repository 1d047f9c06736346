package dev.coxswain.trainer.workload;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST as Debian's {@code dataset-fashion-mnist} ships it: four gzipped IDX files (60,000
 * training and 10,000 test images of 28x28 grey pixels, labels 0-9) under {@code
 * /usr/share/datasets/fashion-mnist}. Read with no network and no library: the IDX format is a
 * magic number, the dimensions, then the bytes.
 *
 * @param pixels {@code count * 28 * 28} unsigned bytes, image after image, row after row
 * @param labels {@code count} class indices 0-9
 */
public record FashionMnistData(int count, byte[] pixels, byte[] labels) {
  public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  public static final int SIDE = 28;
  public static final int CLASSES = 10;
  private static final int IMAGES_MAGIC = 0x00000803; // unsigned bytes, 3 dimensions
  private static final int LABELS_MAGIC = 0x00000801; // unsigned bytes, 1 dimension

  /** The class names, in label order. */
  public static final String[] NAMES = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
  };

  /** The first {@code limit} training images (of 60,000). */
  public static FashionMnistData train(Path dir, int limit) throws IOException {
    return read(dir, "train", limit);
  }

  /** The first {@code limit} test images (of 10,000), used here as the validation set. */
  public static FashionMnistData test(Path dir, int limit) throws IOException {
    return read(dir, "t10k", limit);
  }

  private static FashionMnistData read(Path dir, String prefix, int limit) throws IOException {
    if (limit < 1) {
      throw new IllegalArgumentException("the number of images must be at least 1, got " + limit);
    }
    Path images = dir.resolve(prefix + "-images-idx3-ubyte.gz");
    Path labels = dir.resolve(prefix + "-labels-idx1-ubyte.gz");
    try (DataInputStream im = open(images);
        DataInputStream lb = open(labels)) {
      int[] imageDims = header(im, images, IMAGES_MAGIC, 3);
      int[] labelDims = header(lb, labels, LABELS_MAGIC, 1);
      if (imageDims[1] != SIDE || imageDims[2] != SIDE) {
        throw new IOException(
            images + ": images are " + imageDims[1] + "x" + imageDims[2] + ", not 28x28");
      }
      if (imageDims[0] != labelDims[0]) {
        throw new IOException(
            images
                + " holds "
                + imageDims[0]
                + " images but "
                + labels
                + " "
                + labelDims[0]
                + " labels");
      }
      int n = Math.min(limit, imageDims[0]);
      byte[] px = new byte[n * SIDE * SIDE];
      byte[] lab = new byte[n];
      im.readFully(px);
      lb.readFully(lab);
      for (int i = 0; i < n; i++) {
        if (lab[i] < 0 || lab[i] >= CLASSES) {
          throw new IOException(labels + ": label " + lab[i] + " of image " + i + " is not 0-9");
        }
      }
      return new FashionMnistData(n, px, lab);
    } catch (EOFException e) {
      throw new IOException(dir + ": a Fashion-MNIST file ends early (truncated?)", e);
    }
  }

  private static DataInputStream open(Path file) throws IOException {
    try {
      InputStream in = Files.newInputStream(file);
      return new DataInputStream(new GZIPInputStream(in, 1 << 16));
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(
          file.toString(),
          null,
          "Fashion-MNIST not found: install Debian's dataset-fashion-mnist"
              + " (apt-get install dataset-fashion-mnist) or name its directory (--data; in a"
              + " scenario file, data.dir)");
    }
  }

  private static int[] header(DataInputStream in, Path file, int magic, int dims)
      throws IOException {
    int m = in.readInt();
    if (m != magic) {
      throw new IOException(
          String.format(
              "%s is not an IDX file of %d dimension(s) of bytes (magic 0x%08x, expected 0x%08x)",
              file, dims, m, magic));
    }
    int[] d = new int[dims];
    for (int i = 0; i < dims; i++) {
      d[i] = in.readInt();
    }
    return d;
  }

  /** Pixels scaled to 0-1, as floats. */
  public float[] scaledPixels() {
    float[] f = new float[pixels.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (pixels[i] & 0xff) / 255f;
    }
    return f;
  }

  /** Labels as floats (DJL's softmax cross-entropy takes class indices). */
  public float[] floatLabels() {
    float[] f = new float[count];
    for (int i = 0; i < count; i++) {
      f[i] = labels[i];
    }
    return f;
  }
}
