package dev.fabula.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console end to end in a real headless browser (the system's chromium, driven through its
 * chromedriver: nothing is downloaded), over example-like data: bound beyond localhost it asks for
 * a login; then every page loads, a filter narrows the timeline, an aggregate's state at version 2
 * shows, a rebuild runs to the end of its progress bar, and markup in event names and payloads
 * stays text. Screenshots go to target/console-screenshots/; with FABULA_SCREENSHOTS=docs they
 * replace the README's in docs/console/ (so a plain test run leaves the working tree unchanged).
 *
 * <p>Skipped where chromium is not installed, unless FABULA_REQUIRE_BACKENDS=true (CI), where that
 * fails. FABULA_CHROMIUM and FABULA_CHROMEDRIVER name other binaries than /usr/bin's.
 */
class ConsoleBrowserTest {
  private static final String PASSWORD = "browser-test-password";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final Shop shop = new Shop();
  private Console console;
  private WebDriver driver;
  private WebDriverWait wait;

  @BeforeEach
  void start() throws Exception {
    String chromium = Objects.requireNonNullElse(System.getenv("FABULA_CHROMIUM"), "/usr/bin/chromium");
    String chromedriver = Objects.requireNonNullElse(System.getenv("FABULA_CHROMEDRIVER"), "/usr/bin/chromedriver");
    boolean present = Files.isExecutable(Path.of(chromium)) && Files.isExecutable(Path.of(chromedriver));
    if (!present) {
      String why = "no browser: " + chromium + " and " + chromedriver + " must exist (apt-get install chromium chromium-driver)";
      if ("true".equals(System.getenv("FABULA_REQUIRE_BACKENDS"))) {
        throw new AssertionError(why + ", and FABULA_REQUIRE_BACKENDS=true");
      }
      Assumptions.abort(why);
    }
    console = Console.start(shop.options()
        .bindAddress(InetAddress.getByName("0.0.0.0"))
        .password(PASSWORD.toCharArray())
        .writesEnabled(true)
        .build());
    System.setProperty("webdriver.chrome.driver", chromedriver);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(chromedriver))
        .usingAnyFreePort()
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,1000", "--user-data-dir=" + Files.createTempDirectory("fabula-console-chromium"));
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(WAIT);
    // a page re-renders as a whole: an element found just before is stale, so look again
    wait = new WebDriverWait(driver, WAIT);
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
  }

  @AfterEach
  void stop() {
    try {
      if (driver != null) {
        // the last page as the browser left it, for a failure's report (not committed)
        try {
          Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
          Files.copy(shot, Path.of("target", "console-last-page.png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
          System.err.println("no screenshot of the last page: " + e);
        }
        driver.quit();
      }
    } finally {
      if (console != null) {
        console.close();
      }
      shop.close();
    }
  }

  private String url(String hash) {
    // localhost: the browser keeps the Secure session cookie on it over plain HTTP
    return "http://localhost:" + console.port() + "/" + hash;
  }

  private WebElement visible(By by) {
    return wait.until(d -> {
      List<WebElement> found = d.findElements(by);
      return found.isEmpty() || !found.getFirst().isDisplayed() ? null : found.getFirst();
    });
  }

  private List<WebElement> rows(String selector, int count) {
    return wait.until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector(selector));
      return found.size() == count ? found : null;
    });
  }

  private void screenshot(String name) {
    Path dir = "docs".equals(System.getenv("FABULA_SCREENSHOTS"))
        ? docs().resolve("console")
        : Path.of("target", "console-screenshots");
    try {
      Files.createDirectories(dir);
      Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
      Files.copy(shot, dir.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path docs() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("docs").resolve("adr"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("no docs/adr above " + Path.of("").toAbsolutePath());
    }
    return dir.resolve("docs");
  }

  /**
   * The text (or {@code property}) of every element {@code selector} matches, read in one script:
   * the projections page re-renders while a job runs, so element references go stale.
   */
  @SuppressWarnings("unchecked")
  private List<String> texts(String selector, String... property) {
    String prop = property.length == 0 ? "textContent" : property[0];
    return (List<String>) ((JavascriptExecutor) driver).executeScript(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => String(e[arguments[1]]));", selector, prop);
  }

  private boolean notPwned() {
    return (Boolean) ((JavascriptExecutor) driver).executeScript("return window.pwned === undefined;");
  }

  @Test
  void everyPageWorksInAHeadlessBrowser() {
    // bound beyond localhost with a password: a login first
    driver.get(url("#/overview"));
    WebElement password = visible(By.id("password"));
    screenshot("login");
    password.sendKeys("not the password");
    driver.findElement(By.id("login")).click();
    assertThat(visible(By.id("login-error")).getText()).isEqualTo("wrong password");
    driver.findElement(By.id("password")).sendKeys(PASSWORD);
    driver.findElement(By.id("login")).click();

    // overview
    wait.until(d -> d.findElements(By.id("event-count")).stream().anyMatch(e -> e.getText().equals("9")));
    assertThat(driver.findElements(By.cssSelector("#throughput-chart rect"))).isNotEmpty();
    assertThat(driver.findElements(By.cssSelector("#names-table tbody tr"))).hasSize(6);
    assertThat(driver.findElement(By.id("aggregates-table")).getText()).contains("product").contains("3");
    screenshot("overview");

    // timeline, then a filter narrows it
    driver.get(url("#/events"));
    List<WebElement> all = rows("#events-table tr.event-row", 9);
    assertThat(all).anySatisfy(r -> assertThat(r.getText()).contains(Shop.MARKUP_NAME).contains(Shop.MARKUP_TEXT));
    assertThat(all).anySatisfy(r -> assertThat(r.getText()).contains("secret.imported").contains("not-registered"));
    assertThat(driver.findElements(By.cssSelector("#app img, #app script"))).as("markup stayed text").isEmpty();
    assertThat(notPwned()).isTrue();
    screenshot("events");
    visible(By.id("filter-name")).sendKeys("product.created");
    driver.findElement(By.id("apply-filters")).click();
    List<WebElement> created = rows("#events-table tr.event-row", 3);
    assertThat(created).allSatisfy(r -> assertThat(r.findElement(By.className("event-name")).getText()).isEqualTo("product.created"));
    assertThat(driver.getCurrentUrl()).endsWith("#/events?name=product.created");
    screenshot("events-filtered");

    // markup typed into a filter is a filter value, not markup
    driver.get(url("#/events?name=" + java.net.URLEncoder.encode(Shop.MARKUP_NAME, java.nio.charset.StandardCharsets.UTF_8)));
    List<WebElement> marked = rows("#events-table tr.event-row", 1);
    assertThat(marked.getFirst().findElement(By.className("event-name")).getText()).isEqualTo(Shop.MARKUP_NAME);
    assertThat(visible(By.id("filter-name")).getDomProperty("value")).isEqualTo(Shop.MARKUP_NAME);
    assertThat(driver.findElements(By.cssSelector("#app img, #app script"))).isEmpty();
    assertThat(notPwned()).isTrue();
    driver.get(url("#/events?name=product.created"));
    created = rows("#events-table tr.event-row", 3);

    // an aggregate's stream and its state at version 2
    created.getFirst().findElement(By.cssSelector("a")).click();
    WebElement version = visible(By.id("version"));
    wait.until(d -> d.findElement(By.id("aggregate-state")).getText().contains("Desk lamp"));
    version.clear();
    version.sendKeys("2");
    driver.findElement(By.id("show-version")).click();
    wait.until(d -> d.findElements(By.id("state-version")).stream().anyMatch(e -> e.getText().equals("2")));
    String state = driver.findElement(By.id("aggregate-state")).getText();
    assertThat(state).contains("\"Lamp\"").contains("2499").doesNotContain("Desk lamp");
    assertThat(driver.findElements(By.cssSelector("#stream-table tr.event-row"))).hasSize(3);
    assertThat(driver.findElements(By.cssSelector("#stream-table tr.later"))).as("version 3 is after the state shown").hasSize(1);
    screenshot("aggregate");

    // projections: a rebuild runs to the end of its progress bar
    shop.catalog.delayMillis = 250;
    driver.get(url("#/projections"));
    visible(By.cssSelector("tr.projection-row[data-name='catalog'] button.rebuild")).click();
    wait.until(d -> texts("tr.projection-row .job-state").stream().anyMatch(t -> t.equals("running") || t.equals("done")));
    screenshot("rebuild"); // mid-way on a machine that keeps up; the test does not depend on it
    wait.until(d -> texts("tr.projection-row .job-state").equals(List.of("done")));
    assertThat(texts("tr.projection-row progress.job-progress", "value")).containsExactly("1");
    assertThat(texts("tr.projection-row")).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING).contains("100%");
    assertThat(shop.catalog.names).hasSize(3);
    screenshot("projections");
    assertThat(notPwned()).isTrue();
  }

  @Test
  void aDeadLetterIsRetriedAndEvictedFromTheProjectionsPage() {
    try (var letters = new DeadLetterShop(shop);
        Console withLetters = Console.start(shop.options()
            .schedule(DeadLetterShop.SCHEDULE, letters.schedule)
            .password(PASSWORD.toCharArray())
            .writesEnabled(true)
            .build())) {
      letters.names.failing = null; // fixed: its retry succeeds
      driver.get("http://localhost:" + withLetters.port() + "/#/projections");
      visible(By.id("password")).sendKeys(PASSWORD);
      driver.findElement(By.id("login")).click();
      rows("tr.dead-letter-row", 2);
      screenshot("dead-letters");
      assertThat(texts("tr.dead-letter-row td.error")).anySatisfy(t -> assertThat(t).contains("cannot take Desk"));

      visible(By.cssSelector("tr.dead-letter-row[data-projection='names'] button.dead-letter-retry")).click();
      rows("tr.dead-letter-row", 1);
      assertThat(letters.names.names).containsValue("Desk");
      assertThat(driver.findElements(By.id("action-error"))).isEmpty();

      // stuck cannot be retried: the page says why, and Evict removes the letter
      visible(By.cssSelector("tr.dead-letter-row[data-projection='stuck'] button.dead-letter-retry")).click();
      assertThat(visible(By.id("action-error")).getText()).contains("Reapplicable");
      visible(By.cssSelector("tr.dead-letter-row[data-projection='stuck'] button.dead-letter-evict")).click();
      wait.until(d -> d.findElements(By.cssSelector("tr.dead-letter-row")).isEmpty());
      assertThat(letters.schedule.deadLetters()).isEmpty();
      assertThat(notPwned()).isTrue();
    }
  }

  private void logIn(String hash) {
    driver.get(url(hash));
    visible(By.id("password")).sendKeys(PASSWORD);
    driver.findElement(By.id("login")).click();
  }

  @Test
  void followAppendsEventsStoredAfterThePageLoaded() {
    logIn("#/events");
    rows("#events-table tr.event-row", 9);
    WebElement follow = visible(By.id("follow"));
    assertThat(follow.isSelected()).isFalse();
    follow.click();
    wait.until(d -> texts("#follow-status").equals(List.of("following")));

    shop.products.use(shop.ids.get(1), p -> p.price(4100));
    List<WebElement> ten = rows("#events-table tr.event-row", 10);
    assertThat(ten.getLast().findElement(By.className("event-name")).getText()).isEqualTo("product.priced");
    assertThat(ten.getLast().getText()).contains("4100");

    // markup in a followed event stays text
    shop.store.insert(List.of(dev.fabula.event.Event.create(Shop.MARKUP_NAME, new Shop.Note(Shop.MARKUP_TEXT))));
    List<WebElement> eleven = rows("#events-table tr.event-row", 11);
    assertThat(eleven.getLast().findElement(By.className("event-name")).getText()).isEqualTo(Shop.MARKUP_NAME);
    assertThat(driver.findElements(By.cssSelector("#app img, #app script"))).isEmpty();
    assertThat(notPwned()).isTrue();
    screenshot("events-follow");

    // off, an event is stored; on again, it follows on from the last row shown: nothing skipped
    visible(By.id("follow")).click();
    wait.until(d -> texts("#follow-status").equals(List.of("")));
    shop.products.use(shop.ids.get(2), p -> p.rename("Standing desk"));
    shop.products.use(shop.ids.get(2), p -> p.price(15900));
    visible(By.id("follow")).click();
    List<WebElement> thirteen = rows("#events-table tr.event-row", 13);
    assertThat(thirteen.get(11).findElement(By.className("event-name")).getText()).isEqualTo("product.renamed");
    assertThat(thirteen.get(12).findElement(By.className("event-name")).getText()).isEqualTo("product.priced");
    List<String> positions = texts("#events-table tr.event-row td.num");
    assertThat(positions).doesNotHaveDuplicates();

    // a filter applies to followed events too
    visible(By.id("filter-name")).sendKeys("product.created");
    driver.findElement(By.id("apply-filters")).click();
    rows("#events-table tr.event-row", 3);
    assertThat(visible(By.id("follow")).isSelected()).as("still on").isTrue();
    shop.products.use(shop.ids.get(0), p -> p.price(100));
    shop.products.use(java.util.UUID.randomUUID(), p -> p.create("Stool", 2900));
    List<WebElement> created = rows("#events-table tr.event-row", 4);
    assertThat(created).allSatisfy(r -> assertThat(r.findElement(By.className("event-name")).getText()).isEqualTo("product.created"));
  }

  @Test
  void aStorePickerSwitchesStoresAndStoredProgressShowsReadOnly() {
    try (Shop archive = new Shop(); var progress = dev.fabula.memory.InMemory.progressStore()) {
      archive.store.insert(List.of(dev.fabula.event.Event.create("note.imported", java.util.Map.of("text", "archived"))));
      progress.advance("orders", 0, 4);
      var stores = new java.util.LinkedHashMap<String, ConsoleOptions>();
      stores.put("shop", shop.options().build());
      stores.put("archive", archive.options().writesEnabled(true).storedProgress(progress::positions).build());
      try (Console both = Console.start(stores)) {
        driver.get("http://localhost:" + both.port() + "/");
        wait.until(d -> d.getCurrentUrl().contains("/stores/shop/"));
        wait.until(d -> d.findElements(By.id("event-count")).stream().anyMatch(e -> e.getText().equals("9")));
        WebElement select = visible(By.id("store-select"));
        assertThat(texts("#store-select option")).containsExactly("shop", "archive");
        assertThat(select.getDomProperty("value")).isEqualTo("shop");
        screenshot("stores");
        new org.openqa.selenium.support.ui.Select(select).selectByVisibleText("archive");
        wait.until(d -> d.getCurrentUrl().contains("/stores/archive/"));
        wait.until(d -> d.findElements(By.id("event-count")).stream().anyMatch(e -> e.getText().equals("10")));
        assertThat(visible(By.id("store-select")).getDomProperty("value")).isEqualTo("archive");

        driver.get("http://localhost:" + both.port() + "/stores/archive/#/projections");
        wait.until(d -> texts("tr.projection-row").size() == 2);
        String orders = texts("tr.projection-row[data-name='orders']").getFirst();
        assertThat(orders).contains("stored progress").contains("4");
        assertThat(driver.findElements(By.cssSelector("tr.projection-row[data-name='orders'] button")))
            .as("read only").isEmpty();
        assertThat(driver.findElements(By.cssSelector("tr.projection-row[data-name='catalog'] button.rebuild"))).hasSize(1);
        List<String> cells = texts("tr.projection-row[data-name='orders'] td");
        assertThat(cells.subList(1, 4)).containsExactly("4", Long.toString(archive.store.lastPosition()),
            Long.toString(archive.store.lastPosition() - 4));
        screenshot("projections-stored");
      }
    }
  }
}
