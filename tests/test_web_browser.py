"""The page in headless Chromium (Debian's chromium and chromedriver, through selenium), on a
server started here on 127.0.0.1. Skips when selenium, chromium or chromedriver is missing.

With CHAINRULE_SCREENSHOT=1 the screenshot test also writes docs/img/web.png (the README's
picture); otherwise it goes to a temporary folder, so a test run leaves the checkout as it was.
"""

from __future__ import annotations

import os
import shutil
import urllib.parse

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
webdriver = pytest.importorskip("selenium.webdriver")

from selenium.common.exceptions import TimeoutException, WebDriverException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from web_support import ROOT, TUTORIAL, Server  # noqa: E402

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                "google-chrome"))), None)
DRIVER = shutil.which("chromedriver") or next(
    (p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
     if os.path.exists(p)), None)
if CHROMIUM is None or DRIVER is None:
    pytest.skip("headless browser tests need chromium and chromedriver (Debian: apt-get "
                "install chromium chromium-driver)", allow_module_level=True)

WAIT = 30


def f_prime(x: float) -> float:
    return 20 * x**3 + 9 * x**2 + 14 * x + 9


def shown(v: float) -> str:
    """A number as the page writes it (ten significant digits, a real minus sign)."""
    if v == int(v):
        return str(int(v)).replace("-", "−")
    return f"{v:.10g}".replace("-", "−")


@pytest.fixture(scope="module")
def server():
    s = Server("--timeout", "5")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1100,1800", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update"):
        options.add_argument(arg)
    try:
        # The driver's path is given, so selenium downloads nothing.
        driver = webdriver.Chrome(options=options,
                                  service=webdriver.ChromeService(executable_path=DRIVER))
    except WebDriverException as err:
        pytest.skip(f"chromium did not start: {str(err).splitlines()[0]}")
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def wait(browser, condition, what: str):
    try:
        return WebDriverWait(browser, WAIT, poll_frequency=0.05).until(condition)
    except TimeoutException:
        state = browser.find_element(By.TAG_NAME, "body").get_attribute("data-state")
        pytest.fail(f"the page did not show {what} within {WAIT} s (state {state!r}, "
                    f"tangent {text(browser, 'tangent')!r})")


def text(browser, element_id: str) -> str:
    return browser.find_element(By.ID, element_id).text


def ready(browser) -> bool:
    return browser.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "ready"


def open_page(browser, server, query: str = "") -> None:
    browser.get(server.url + query)
    wait(browser, ready, "its first results")


def type_into(browser, element_id: str, value: str, submit: bool = True) -> None:
    box = browser.find_element(By.ID, element_id)
    box.clear()
    box.send_keys(value + (Keys.ENTER if submit else ""))


def test_type_the_tutorial_function(browser, server):
    open_page(browser, server, "?f=x^2&x=2")
    # (waited for: on a loaded machine the first answer can come after the page has loaded)
    wait(browser, lambda b: text(b, "tangent") == "y = 4x − 4", "the tangent of x^2 at 2")
    type_into(browser, "f", TUTORIAL)
    wait(browser, lambda b: text(b, "tangent") == "y = 233x − 321", "the tutorial's tangent")
    assert text(browser, "slope") == "233"
    assert text(browser, "fval") == "145"
    # The formulas are MathML, which Chromium lays out itself.
    d1 = browser.find_element(By.CSS_SELECTOR, "#d1-formula math")
    assert d1.get_attribute("namespaceURI") == "http://www.w3.org/1998/Math/MathML"
    assert d1.text.replace("\u2062", "").replace("\n", "").replace(" ", "") == \
        "20x3+9x2+14x+9"
    # Steps and graph are drawn after the numbers: waited for, so a loaded machine cannot
    # catch them half-way.
    wait(browser, lambda b: [s.text for s in b.find_elements(By.CSS_SELECTOR, "#steps li strong")]
         [:3] == ["sum rule", "constant multiple rule", "power rule"], "the steps")
    # The computation graph's table: x = 2 with gradient 233.
    wait(browser, lambda b: [r.text for r in b.find_elements(
        By.CSS_SELECTOR, "#graph-table tbody tr.node-input td")] == ["x", "input", "2", "233"],
        "the graph table")
    assert browser.find_element(By.ID, "graph-img").get_attribute("src").startswith(
        "data:image/svg+xml")


def test_a_new_point_typed_in_the_box(browser, server):
    open_page(browser, server)
    type_into(browser, "x", "1")
    wait(browser, lambda b: text(b, "tangent") == "y = 52x − 33", "the tangent at x = 1")
    assert text(browser, "slope") == "52"
    assert text(browser, "slope-label") == "f′(1)"


def test_drag_the_point_and_the_slope_follows(browser, server):
    open_page(browser, server)
    point = browser.find_element(By.ID, "point")
    # Drag the point to the left: x goes down, and so does the slope.
    ActionChains(browser).click_and_hold(point).move_by_offset(-40, 0).move_by_offset(
        -40, 0).release().perform()
    wait(browser, lambda b: ready(b) and b.find_element(By.ID, "x").get_attribute("value")
         not in ("2", ""), "a moved point")
    x = float(browser.find_element(By.ID, "x").get_attribute("value"))
    assert -1 <= x < 2
    wait(browser, lambda b: text(b, "slope") == shown(f_prime(x)), f"the slope at x = {x}")
    assert text(browser, "slope-label") == f"f′({shown(x)})"
    assert urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query)["x"] == \
        [str(x).removesuffix(".0")]


def test_arrow_keys_move_the_point(browser, server):
    open_page(browser, server)
    plot = browser.find_element(By.ID, "plot")
    plot.send_keys(Keys.ARROW_RIGHT)
    wait(browser, lambda b: text(b, "slope") == shown(f_prime(2.01)), "the slope at 2.01")
    assert text(browser, "tangent") == "y = 235.91292x − 326.8404261"


def test_check_my_answer_both_ways(browser, server):
    open_page(browser, server)
    type_into(browser, "answer", "20x^3 + 9x^2 + 14x + 9")
    wait(browser, lambda b: text(b, "check-result").startswith("✓ Correct"), "'Correct'")
    assert browser.find_element(By.ID, "check-result").get_attribute("class") == "right"
    type_into(browser, "answer", "20x^3 + 9x^2 + 14x")
    wait(browser, lambda b: text(b, "check-result").startswith("✗ Not quite"), "'Not quite'")
    assert "At x = 2 your answer gives 224, but f′(2) = 233." in text(browser, "check-result")
    assert browser.find_element(By.ID, "check-result").get_attribute("class") == "wrong"


def test_a_parse_error_is_shown_under_the_input_at_its_column(browser, server):
    open_page(browser, server)
    type_into(browser, "f", "5x^4 + * 3")
    wait(browser, lambda b: b.find_element(By.ID, "f-error").is_displayed(), "the error")
    lines = browser.find_element(By.ID, "f-error").get_attribute("textContent").split("\n")
    assert lines[0] == "5x^4 + * 3"
    assert lines[1] == " " * 7 + "^"             # under the '*' at column 8
    assert "column 8" in lines[2]
    assert browser.find_element(By.ID, "f").get_attribute("aria-invalid") == "true"
    # The last good results stay on the page.
    assert text(browser, "slope") == "233"


def test_a_point_where_f_is_undefined_says_why(browser, server):
    open_page(browser, server, "?f=log(x)&x=1")
    assert text(browser, "tangent") == "y = x − 1"
    type_into(browser, "x", "-1")
    wait(browser, lambda b: b.find_element(By.ID, "point-error").is_displayed(),
         "the reason f is undefined")
    assert text(browser, "point-error") == ("f is not defined at x = −1: in log(x), log(−1) "
                                            "is undefined: log needs a positive number")
    assert (text(browser, "fval-label"), text(browser, "fval")) == ("f(−1)", "undefined")
    type_into(browser, "x", "2")
    wait(browser, lambda b: text(b, "slope") == "0.5", "the slope at x = 2")
    assert not browser.find_element(By.ID, "point-error").is_displayed()


def test_a_shared_url_loads_its_function_and_point(browser, server):
    query = "?" + urllib.parse.urlencode({"f": "x^2 sin(x)", "x": "0"})
    open_page(browser, server, query)
    assert browser.find_element(By.ID, "f").get_attribute("value") == "x^2 sin(x)"
    assert text(browser, "tangent") == "y = 0"
    assert text(browser, "fval-label") == "f(0)"
    link = browser.find_element(By.ID, "share-link").get_attribute("href")
    assert urllib.parse.parse_qs(urllib.parse.urlparse(link).query) == \
        {"f": ["x^2 sin(x)"], "x": ["0"]}


def test_second_derivative_and_f_prime_curve_on_request(browser, server):
    open_page(browser, server)
    assert not browser.find_element(By.ID, "second-row").is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, "#plot path.derivative") == []
    browser.find_element(By.ID, "show-second").click()
    wait(browser, lambda b: b.find_element(By.ID, "second-row").is_displayed() and ready(b),
         "f″")
    assert text(browser, "d2val") == "290"
    browser.find_element(By.ID, "show-derivative").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#plot path.derivative")) == 1


def test_no_console_errors_and_a_screenshot(browser, server, tmp_path):
    browser.get_log("browser")          # drop what earlier tests logged (their 400s)
    open_page(browser, server)
    type_into(browser, "answer", "20x^3 + 9x^2 + 14x + 9")
    wait(browser, lambda b: text(b, "check-result").startswith("✓"), "'Correct'")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    browser.set_window_size(1100, 1500)
    path = ROOT / "docs" / "img" / "web.png" if os.environ.get("CHAINRULE_SCREENSHOT") \
        else tmp_path / "web.png"
    assert browser.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
