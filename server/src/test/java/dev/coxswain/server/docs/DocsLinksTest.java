package dev.coxswain.server.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coxswain.server.RepositoryRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The docs a newcomer reads: every relative link resolves, and the README stays short. */
class DocsLinksTest {
  private static final Path ROOT = RepositoryRoot.find();
  private static final long README_LIMIT = 12 * 1024;

  @TempDir Path tmp;

  @Test
  void everyRelativeLinkOfTheReadmeTheDocsAndTheStudiesResolves() {
    LinkChecker checker = new LinkChecker(ROOT);
    List<Path> docs = checker.documents();
    assertTrue(docs.contains(ROOT.resolve("README.md")), docs.toString());
    assertTrue(docs.contains(ROOT.resolve("docs/reference/cli.md")), docs.toString());
    assertTrue(docs.contains(ROOT.resolve("experiments/lr-recovery/README.md")), docs.toString());
    List<LinkChecker.Broken> broken = checker.check();
    assertEquals(List.of(), broken, "broken links (file:line: target): " + broken);
  }

  @Test
  void theReadmeIsUnder12KiB() throws Exception {
    long size = Files.size(ROOT.resolve("README.md"));
    assertTrue(size < README_LIMIT, "README.md is " + size + " bytes, the limit " + README_LIMIT);
  }

  @Test
  void aBrokenLinkIsReportedWithItsFileAndLineAndTheRestAreNot() throws Exception {
    Files.createDirectories(tmp.resolve("docs/reference"));
    Files.createDirectories(tmp.resolve("experiments/study"));
    Files.writeString(tmp.resolve("docs/present.md"), "# here\n");
    Files.writeString(tmp.resolve("picture.png"), "png");
    Files.writeString(
        tmp.resolve("README.md"),
        String.join(
            "\n",
            "# A readme",
            "[fine](docs/present.md) and [with an anchor](docs/present.md#here),",
            "![a picture](picture.png), [web](https://example.org/x), [mail](mailto:a@b.c),",
            "[same page](#a-readme), `[in code](nowhere.md)`",
            "```",
            "[in a fence](nowhere.md)",
            "```",
            "[gone](docs/missing.md) and ![lost](img/lost.png)",
            ""));
    Files.writeString(
        tmp.resolve("docs/reference/cli.md"),
        "[up](../present.md), [up too far](../../docs/nothing.md)\n");
    Files.writeString(
        tmp.resolve("experiments/study/README.md"), "[results](../results/table.md)\n");

    List<String> broken =
        new LinkChecker(tmp).check().stream().map(LinkChecker.Broken::toString).toList();

    assertEquals(
        List.of(
            "README.md:8: docs/missing.md",
            "README.md:8: img/lost.png",
            "docs/reference/cli.md:1: ../../docs/nothing.md",
            "experiments/study/README.md:1: ../results/table.md"),
        broken);
  }
}
