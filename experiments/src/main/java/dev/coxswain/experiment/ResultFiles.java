package dev.coxswain.experiment;

import java.nio.file.Path;
import java.util.List;

/**
 * What a study's report wrote.
 *
 * @param table the Markdown table of results, as printed at the end
 * @param files every file written (tables, JSON, plots)
 */
public record ResultFiles(String table, List<Path> files) {}
