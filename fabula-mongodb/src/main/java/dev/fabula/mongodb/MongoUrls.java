package dev.fabula.mongodb;

import java.util.regex.Pattern;

/** Connection strings in messages: their passwords never shown. */
final class MongoUrls {
  /** {@code scheme://user:password@}: the password is what lies between the colon and the at sign. */
  private static final Pattern CREDENTIALS = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://[^:/@\\s]*:)[^@\\s]*@");

  private MongoUrls() {}

  /** {@code text} with the password of every connection string in it replaced by {@code ***}. */
  static String mask(String text) {
    return CREDENTIALS.matcher(text).replaceAll("$1***@");
  }
}
