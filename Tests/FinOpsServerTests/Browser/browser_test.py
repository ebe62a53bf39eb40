#!/usr/bin/env python3
"""End-to-end browser test of the FinOps server's pages, in one real (headless Chromium) session.

Usage:
    python3 browser_test.py BASE_URL TOKEN OUT_DIR

    BASE_URL  the running server, e.g. http://127.0.0.1:18080
    TOKEN     an access token of role operator or admin (the flow run needs operator)
    OUT_DIR   where the screenshots go (created if missing)

The server must serve a cost store and a flows directory holding `tests.quick` (input `who`, tasks `hello`,
a Log of "hello {{ inputs.who }}", and `services`). Needs /usr/bin/chromium and /usr/bin/chromedriver (or both on
PATH) and Python's selenium; nothing else beyond the standard library.

Steps, each printed as it passes (the first unmet check exits non-zero, naming the step and what was found):
  1. sign-in:    /pivot redirects to /login; the token typed into the "Access token" password field signs in and
                 lands on the pivot explorer.
  2. pivot:      rows `BillingCurrency, ServiceName`, measure `sum(EffectiveCost)`, top 5, chart Bars, Show: the
                 table #pivot has rows, the address holds the view (`rows=`), an svg.chart is drawn with a size.
  3. filter:     "Add a filter on" ChargeCategory "is one of" Usage: the chip reads `ChargeCategory in ('Usage')`
                 and the address holds `f=`; Back shows the view without the filter, Forward brings it again.
  4. drill-down: the first member link of the table adds that member's filter to the address and the chips.
  5. export:     #export-csv and #export-json link to the same view; the CSV, downloaded with the browser's
                 session cookie, starts `BillingCurrency,ServiceName` and has data lines.
  6. screenshot: OUT_DIR/pivot.png, checked to be a PNG of many colours (not a blank page).
  7. dashboard:  /dashboard has its h1 and an svg chart; "← previous month" changes the month in the address;
                 OUT_DIR/dashboard.png.
  8. flows:      /flows → tests.quick, input who=browser, Run: the execution page (which reloads itself while
                 running) reaches SUCCESS within 60 s, lists task runs hello and services and logs
                 "hello browser"; OUT_DIR/execution.png. Then /flows/validate marks the bad line of a broken flow.
"""

import base64
import os
import shutil
import struct
import sys
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

TIMEOUT = 30  # seconds for a page or element to appear (a debug server on a busy 2-core machine)
RUN_TIMEOUT = 60  # seconds for the flow execution to finish


class CheckFailed(Exception):
    """A check of a step did not hold."""


class BrowserTest:
    def __init__(self, base_url, token, out_dir):
        self.base = base_url.rstrip("/")
        self.token = token
        self.out_dir = out_dir
        self.step = "setup"
        self.driver = self.start_browser()

    # ----------------------------------------------------------------- helpers

    @staticmethod
    def start_browser():
        options = webdriver.ChromeOptions()
        for argument in ("--no-sandbox", "--headless=new", "--disable-gpu", "--window-size=1280,1600"):
            options.add_argument(argument)
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        if os.path.exists(chromium):
            options.binary_location = chromium
        driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
        return webdriver.Chrome(service=Service(driver_path), options=options)

    def check(self, condition, message):
        if not condition:
            raise CheckFailed(message)

    def passed(self, detail):
        print(f"ok  {self.step}: {detail}", flush=True)

    def wait(self, condition, what, timeout=TIMEOUT):
        """Waits for `condition(driver)` to be truthy; fails naming `what` and where the browser is."""
        waiter = WebDriverWait(
            self.driver,
            timeout,
            poll_frequency=0.2,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
        )
        try:
            return waiter.until(condition)
        except TimeoutException:
            raise CheckFailed(f"waited {timeout} s for {what}; the page is {self.driver.current_url!r}") from None

    def find(self, css):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), f"element {css!r}")

    def texts(self, css):
        return [element.text.strip() for element in self.driver.find_elements(By.CSS_SELECTOR, css)]

    def submit_and_wait(self, button):
        """Clicks a button or link that loads a new page and waits until the old page is gone."""
        old_page = self.driver.find_element(By.TAG_NAME, "html")
        button.click()
        self.wait(EC.staleness_of(old_page), "the next page to load")
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete", "the page to finish")

    def fill(self, css, value):
        field = self.find(css)
        field.clear()
        field.send_keys(value)
        return field

    def query(self, url=None):
        """The (name, value) pairs of an address's query, decoded."""
        return urllib.parse.parse_qsl(urllib.parse.urlsplit(url or self.driver.current_url).query)

    def filters(self):
        return [value for name, value in self.query() if name == "f"]

    def chips(self):
        return self.texts("ul.chips code")

    def screenshot(self, name):
        """Saves a screenshot to OUT_DIR/name and checks it is a PNG of a drawn page, not a blank one."""
        path = os.path.join(self.out_dir, name)
        self.check(self.driver.save_screenshot(path), f"the browser could not save {path}")
        with open(path, "rb") as file:
            data = file.read()
        self.check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG (starts {data[:8]!r})")
        width, height = struct.unpack(">II", data[16:24])
        self.check(width >= 600 and height >= 600, f"{path} is only {width}x{height} pixels")
        colours = self.distinct_colours(data)
        self.check(colours >= 8, f"{path} looks blank: {colours} distinct colour(s) in {len(data)} bytes")
        return f"{path} ({width}x{height}, {len(data) // 1024} KB, {colours}+ colours)"

    def distinct_colours(self, png):
        """Counts the distinct colours of a PNG (up to 64) by decoding it in the browser's canvas."""
        script = """
            const [source, done] = arguments;
            const image = new Image();
            image.onerror = () => done(-1);
            image.onload = () => {
                const canvas = document.createElement('canvas');
                canvas.width = image.naturalWidth;
                canvas.height = image.naturalHeight;
                const context = canvas.getContext('2d');
                context.drawImage(image, 0, 0);
                const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
                const seen = new Set();
                for (let i = 0; i < pixels.length && seen.size < 64; i += 4 * 7) {
                    seen.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
                }
                done(seen.size);
            };
            image.src = 'data:image/png;base64,' + source;
        """
        return self.driver.execute_async_script(script, base64.b64encode(png).decode("ascii"))

    # ------------------------------------------------------------------- steps

    def sign_in(self):
        self.step = "1 sign-in"
        self.driver.get(self.base + "/pivot")
        self.wait(lambda d: urllib.parse.urlsplit(d.current_url).path == "/login", "the redirect to /login")
        label = self.wait(
            lambda d: d.find_element(By.XPATH, "//label[normalize-space()='Access token']"),
            "the label 'Access token'",
        )
        field = self.driver.find_element(By.ID, label.get_attribute("for"))
        self.check(
            field.get_attribute("type") == "password",
            f"the 'Access token' field is of type {field.get_attribute('type')!r}, not password",
        )
        self.screenshot("sign-in.png")
        field.send_keys(self.token)
        self.submit_and_wait(field.find_element(By.XPATH, "ancestor::form//button[@type='submit']"))
        self.wait(lambda d: urllib.parse.urlsplit(d.current_url).path == "/pivot", "the pivot explorer after sign-in")
        heading = self.find("main h1").text
        self.check(heading == "Pivot explorer", f"after sign-in the page's heading is {heading!r}")
        self.check(self.driver.get_cookie("finops_session"), "no finops_session cookie after sign-in")
        self.passed(f"signed in through /login, landed on {self.driver.current_url}")

    def pivot_view(self):
        self.step = "2 pivot"
        self.fill("#field-rows", "BillingCurrency, ServiceName")
        self.fill("#field-measures", "sum(EffectiveCost)")
        self.fill("#field-top", "5")
        Select(self.find("#field-chart")).select_by_visible_text("Bars")
        self.submit_and_wait(self.find("#show"))
        errors = self.texts("main .error")
        self.check(not errors, f"the explorer shows an error: {errors}")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#pivot tbody tr")
        self.check(rows, "the table #pivot has no body rows")
        view = dict(self.query())
        self.check("rows=" in self.driver.current_url, f"the address holds no rows=: {self.driver.current_url}")
        self.check(
            view.get("rows") == "BillingCurrency, ServiceName" and view.get("top") == "5"
            and view.get("chart") == "bars" and view.get("measures") == "sum(EffectiveCost)",
            f"the address does not hold the view asked for: {view}",
        )
        chart = self.find("svg.chart")
        size = chart.size
        self.check(size["width"] > 0 and size["height"] > 0, f"the svg.chart has size {size}")
        marks = chart.find_elements(By.CSS_SELECTOR, "rect, path, polyline, line")
        self.check(marks, "the svg.chart draws nothing (no rect, path or line)")
        self.passed(
            f"{len(rows)} table rows, chart {size['width']}x{size['height']} with {len(marks)} marks, "
            f"view in the address"
        )

    def add_filter(self):
        self.step = "3 filter"
        before = self.driver.current_url
        Select(self.find("select[name='nf_field']")).select_by_value("ChargeCategory")
        condition = Select(self.find("select[name='nf_op']"))
        condition.select_by_value("in")
        selected = condition.first_selected_option.text
        self.check(selected == "is one of", f"the condition 'in' is labelled {selected!r}, not 'is one of'")
        self.fill("input[name='nf_value']", "Usage")
        self.submit_and_wait(self.find("#show"))
        expected = "ChargeCategory in ('Usage')"
        self.check(self.chips() == [expected], f"the filter chips are {self.chips()}, expected [{expected!r}]")
        self.check("f=" in self.driver.current_url, f"the address holds no f=: {self.driver.current_url}")
        self.check(self.filters() == [expected], f"the address's filters are {self.filters()}")
        self.check("nf_" not in self.driver.current_url, f"the address kept the add-a-filter fields")
        filtered = self.driver.current_url

        self.driver.back()
        self.wait(lambda d: d.current_url == before, f"Back to return to {before}")
        self.wait(lambda d: not self.chips() and d.find_elements(By.CSS_SELECTOR, "#pivot tbody tr"),
                  "the unfiltered view after Back")
        self.check(not self.filters(), f"after Back the address still has filters {self.filters()}")

        self.driver.forward()
        self.wait(lambda d: d.current_url == filtered, f"Forward to return to {filtered}")
        self.wait(lambda d: self.chips() == [expected], "the filter chip after Forward")
        self.passed(f"chip {expected!r}, f= in the address; Back drops it, Forward restores it")

    def drill_down(self):
        self.step = "4 drill-down"
        link = self.find("#pivot tbody th a")
        member = link.text.strip()
        self.check(member, "the first member link of the table has no text")
        dimension = self.find("#pivot thead th").text.strip()
        expected = f"{dimension} = '{member}'"
        before = self.filters()
        self.submit_and_wait(link)
        self.check(
            self.filters() == before + [expected],
            f"after clicking {member!r} the address's filters are {self.filters()}, expected {before + [expected]}",
        )
        self.check(expected in self.chips(), f"the chips {self.chips()} do not show {expected!r}")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#pivot tbody tr")
        self.check(rows, "the drilled-down table has no rows")
        self.passed(f"clicked {member!r}: filter {expected!r} in the address and the chips")

    def export(self):
        self.step = "5 export"
        view = self.query()
        links = {}
        for name in ("csv", "json"):
            href = self.find(f"#export-{name}").get_attribute("href")
            parts = urllib.parse.urlsplit(href)
            self.check(parts.path == f"/pivot/export.{name}", f"#export-{name} links to {href}")
            self.check(self.query(href) == view, f"#export-{name}'s view {self.query(href)} is not the page's {view}")
            links[name] = href
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())
        request = urllib.request.Request(links["csv"], headers={"Cookie": cookies})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status = response.status
            kind = response.headers.get("Content-Type", "")
            text = response.read().decode("utf-8")
        self.check(status == 200 and kind.startswith("text/csv"), f"the CSV answered {status} {kind!r}")
        lines = [line for line in text.splitlines() if line.strip()]
        self.check(
            lines and lines[0].startswith("BillingCurrency,ServiceName"),
            f"the CSV's header is {lines[:1]}",
        )
        self.check(len(lines) >= 2, f"the CSV has no data lines: {text!r}")
        self.passed(f"CSV and JSON links hold the view; CSV has {len(lines) - 1} data lines, header {lines[0]!r}")

    def pivot_screenshot(self):
        self.step = "6 screenshot"
        self.find("#pivot")
        self.passed(self.screenshot("pivot.png"))

    def dashboard(self):
        self.step = "7 dashboard"
        self.driver.get(self.base + "/dashboard")
        heading = self.find("h1").text.strip()
        self.check(heading, "the dashboard has an empty h1")
        chart = self.find("svg.chart")
        self.check(chart.size["width"] > 0 and chart.size["height"] > 0, f"the dashboard's svg has size {chart.size}")
        shown = self.find("nav[aria-label='Dashboard'] strong").text.strip()
        previous = self.find("#previous-month")
        previous_month = previous.text.replace("←", "").strip()
        before = dict(self.query()).get("month")
        self.submit_and_wait(previous)
        after = dict(self.query()).get("month")
        self.check(after and after != before, f"the address's month went from {before!r} to {after!r}")
        self.check(after == previous_month and after != shown,
                   f"'← {previous_month}' from month {shown} led to month={after}")
        now_shown = self.find("nav[aria-label='Dashboard'] strong").text.strip()
        self.check(now_shown == after, f"the page at month={after} shows month {now_shown!r}")
        self.find("h1")
        self.passed(f"h1 {heading!r} and a chart; ← went from {shown} to month={after}; "
                    + self.screenshot("dashboard.png"))

    def run_flow(self):
        self.step = "8 flows"
        self.driver.get(self.base + "/flows")
        listed = self.texts("#flows tbody tr")
        self.check(any("tests.quick" in row for row in listed), f"the flows table lists {listed}")
        self.screenshot("flows.png")
        self.submit_and_wait(self.wait(EC.element_to_be_clickable((By.LINK_TEXT, "tests.quick")), "link tests.quick"))
        heading = self.find("main h1").text
        self.check(heading == "tests.quick", f"the flow page's heading is {heading!r}")
        self.screenshot("flow.png")
        self.fill("input[name='input.who']", "browser")
        self.submit_and_wait(self.find("#run"))
        self.wait(lambda d: "/executions/" in d.current_url, "the execution page after Run")

        def finished(driver):
            try:
                state = driver.find_element(By.ID, "execution-state").text.strip()
            except WebDriverException as error:
                # The page reloads itself while the run goes on: Chrome reports an element of the page it just left
                # as a node that "does not belong to the document" (a stale element by another name).
                if "does not belong to the document" in str(error):
                    return False
                raise
            return state if state in ("SUCCESS", "WARNING", "FAILED", "KILLED") else False

        state = self.wait(finished, "the execution to finish", timeout=RUN_TIMEOUT)
        problems = self.texts("main .error")
        self.check(state == "SUCCESS", f"the execution ended {state}: {problems}")
        # The page stopped reloading itself once the run ended; read the finished page.
        tasks = self.texts("#task-runs tbody tr td:first-child")
        self.check({"hello", "services"} <= set(tasks), f"the task runs table lists {tasks}")
        logs = self.texts("#logs tbody tr")
        self.check(any("hello browser" in line for line in logs), f"the logs do not say 'hello browser': {logs}")
        shot = self.screenshot("execution.png")
        execution = self.driver.current_url
        self.driver.get(self.base + "/executions")
        listed = self.texts("#executions tbody tr")
        self.check(any("tests.quick" in row and "SUCCESS" in row for row in listed),
                   f"the executions list shows {listed}")
        self.screenshot("executions.png")
        self.passed(f"{execution} SUCCESS, task runs {tasks}, log 'hello browser'; " + shot)

    def validate_flow(self):
        self.step = "8 flows (validate)"
        self.driver.get(self.base + "/flows/validate")
        source = self.fill("textarea[name='source']", "id: x\nnamespace: y\ntasks: 3\n")
        self.submit_and_wait(source.find_element(By.XPATH, "ancestor::form//button[@type='submit']"))
        error = self.find("main .error").text.strip()
        self.check("problem" in error, f"the error box reads {error!r}")
        marked = self.driver.find_elements(By.CSS_SELECTOR, "pre.source span.line.bad")
        listing = self.driver.find_elements(By.CSS_SELECTOR, "pre.source span.line")
        self.check(
            marked,
            f"the error box reads {error!r} but no source line is marked (span.line.bad); the listing has "
            f"{len(listing)} line element(s): {[line.text for line in listing]}",
        )
        line = marked[0]
        self.check(line.get_attribute("id") == "line-3" and line.text.startswith("tasks: 3"),
                   f"the marked line is {line.get_attribute('id')!r}: {line.text!r}, expected line-3 'tasks: 3'")
        message = line.find_element(By.CSS_SELECTOR, "strong").text.strip()
        self.check("tasks" in message, f"the line's message is {message!r}")
        self.screenshot("validate.png")
        self.passed(f"error {error!r}, line 3 marked: {message!r}")

    def run(self):
        os.makedirs(self.out_dir, exist_ok=True)
        try:
            self.sign_in()
            self.pivot_view()
            self.add_filter()
            self.drill_down()
            self.export()
            self.pivot_screenshot()
            self.dashboard()
            self.run_flow()
            self.validate_flow()
        except CheckFailed as failure:
            self.fail(str(failure))
        except Exception as error:  # an unexpected browser or network error still names its step
            self.fail(f"{type(error).__name__}: {error}")
        finally:
            self.driver.quit()
        print("browser test passed")

    def fail(self, message):
        """Reports the failing step, saves what the browser shows, and exits non-zero."""
        print(f"FAILED step {self.step}: {message}", file=sys.stderr)
        try:
            path = os.path.join(self.out_dir, "failure.png")
            self.driver.save_screenshot(path)
            print(f"  at {self.driver.current_url}; screenshot {path}", file=sys.stderr)
        except Exception:
            pass
        sys.exit(1)  # the `finally` of run() closes the browser


def main(arguments):
    if len(arguments) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    BrowserTest(*arguments).run()


if __name__ == "__main__":
    main(sys.argv[1:])
