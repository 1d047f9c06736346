package dev.coxswain.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.regex.Pattern;

/** Numbers the way people who train models read them, and escaping for HTML, Markdown and sh. */
final class Text {
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9._/:=@%+,-]+");

  private Text() {}

  /**
   * Like the console: {@code 2.5e-4}, {@code 1e-8}, {@code 0.01}, {@code 1}, {@code 4.52e4}; four
   * significant digits.
   */
  static String num(double x) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return String.valueOf(x);
    }
    if (x == 0) {
      return "0";
    }
    double a = Math.abs(x);
    if (a >= 1e-2 && a < 1e4) {
      return plain(new BigDecimal(x).round(FOUR));
    }
    // cheap enough for chart axes, which format every candidate tick
    int e = (int) Math.floor(Math.log10(a));
    double m = Math.round(x / Math.pow(10, e) * 1000) / 1000.0;
    if (Math.abs(m) >= 10) {
      m /= 10;
      e++;
    }
    return plain(BigDecimal.valueOf(m)) + "e" + e;
  }

  private static final MathContext FOUR = new MathContext(4);

  private static String plain(BigDecimal d) {
    String s = d.stripTrailingZeros().toPlainString();
    return s.equals("-0") ? "0" : s;
  }

  /** Any JSON value in words: numbers as {@link #num}, the rest as written. */
  static String value(Object v) {
    if (v instanceof Double || v instanceof Float) {
      return num(((Number) v).doubleValue());
    }
    return String.valueOf(v);
  }

  /** 45 s, 12 min 5 s, 3 h 20 min. */
  static String duration(double seconds) {
    if (!Double.isFinite(seconds) || seconds < 0) {
      return "–";
    }
    long s = Math.round(seconds);
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    if (s < 3600) {
      return s / 60 + " min " + s % 60 + " s";
    }
    return s / 3600 + " h " + (s % 3600) / 60 + " min";
  }

  static String usd(double v) {
    return String.format(Locale.ROOT, "$%.4f", v);
  }

  /** 1,234,567 (without a Formatter: chart axes call it for every candidate tick). */
  static String count(long n) {
    String digits = Long.toString(Math.abs(n));
    StringBuilder b = new StringBuilder(digits.length() + 8);
    if (n < 0) {
      b.append('-');
    }
    for (int i = 0; i < digits.length(); i++) {
      if (i > 0 && (digits.length() - i) % 3 == 0) {
        b.append(',');
      }
      b.append(digits.charAt(i));
    }
    return b.toString();
  }

  /** Text for HTML element content and attribute values. */
  static String html(Object o) {
    String s = o == null ? "" : String.valueOf(o);
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> {
          // control characters (a terminal escape in an LLM's answer) are shown, not passed on
          if (c < 0x20 && c != '\n' && c != '\t') {
            b.append("&#xFFFD;");
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }

  /**
   * Text for the middle of a Markdown line or a table cell (never its start): one line, with every
   * character that could start emphasis, code, a link, HTML, an entity or a cell escaped.
   */
  static String md(Object o) {
    String s = o == null ? "" : String.valueOf(o);
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n' || c == '\r' || c == '\t') {
        b.append(' ');
      } else if (c < 0x20) {
        b.append('\uFFFD');
      } else if ("\\`*_[]<>|&~".indexOf(c) >= 0) {
        b.append('\\').append(c);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** A fenced Markdown code block whose fence no backtick run in {@code code} can close. */
  static String mdCode(String code, String lang) {
    int longest = 0;
    int run = 0;
    for (int i = 0; i < code.length(); i++) {
      run = code.charAt(i) == '`' ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    String fence = "`".repeat(Math.max(3, longest + 1));
    return fence + lang + "\n" + code + "\n" + fence + "\n";
  }

  /** A word for sh: as it is when it is safe, else in single quotes. */
  static String sh(String s) {
    if (SHELL_SAFE.matcher(s).matches()) {
      return s;
    }
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** A JSON string literal (for a command's body), with the characters JSON requires escaped. */
  static String json(String s) {
    return dev.coxswain.protocol.Json.write(s);
  }
}
