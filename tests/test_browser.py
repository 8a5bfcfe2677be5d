"""End to end: start the server, drive the page in headless Chromium, search, listen, more like this.

Marked `browser` (deselected by default): needs Debian's `chromium` and `chromium-driver` and the
`selenium` package; never downloads a browser or a driver.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from clap_search.indexer.pipeline import index_folder
from clap_search.library import Library
from clap_search.server.app import create_app
from clap_search.server.engine import Engine
from clap_search.server.media import MediaFiles

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1360,900",
    "--mute-audio",
    # No network: every host but this machine fails to resolve, so a page that needs a CDN breaks.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
SR = 22050
# A small library with names a person would search for; the tiny model ranks them at random.
SOUNDS = {
    "weather/rain_on_tin_roof.wav": ("noise", 6.0),
    "weather/thunder_rumble_far.flac": ("low", 8.0),
    "weather/wind_through_pines.wav": ("noise", 9.0),
    "foley/door_slam_hallway.wav": ("hit", 2.0),
    "foley/footsteps_gravel.flac": ("clicks", 5.0),
    "foley/glass_clink.wav": ("ping", 1.5),
    "animals/dog_bark_distant.wav": ("clicks", 3.0),
    "animals/birdsong_morning.flac": ("ping", 7.0),
    "vehicles/truck_engine_idle.wav": ("low", 10.0),
}


def synth(kind: str, seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    if kind == "noise":
        wave = rng.standard_normal(len(t)) * (0.2 + 0.1 * np.sin(2 * np.pi * 0.3 * t))
    elif kind == "low":
        wave = 0.4 * np.sin(2 * np.pi * 55 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))
    elif kind == "hit":
        wave = rng.standard_normal(len(t)) * np.exp(-t * 6) * 0.8
    elif kind == "clicks":
        wave = rng.standard_normal(len(t)) * 0.05 * (np.sin(2 * np.pi * 2.2 * t) > 0.8)
    else:
        wave = 0.3 * np.sin(2 * np.pi * (2000 + 300 * np.sin(2 * np.pi * 3 * t)) * t) * np.exp(-(t % 0.7) * 4)
    return np.clip(wave, -1, 1).astype(np.float32)


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("browser")
    for i, (name, (kind, seconds)) in enumerate(SOUNDS.items()):
        path = root / "sounds" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, synth(kind, seconds, i), SR)
    lib = Library.open(root / "lib", create=True)
    index_folder(lib, root / "sounds", embedder)
    import uvicorn

    app = create_app(engine=Engine(lib, embedder, MediaFiles(lib), 5 * 1024 * 1024))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", root
    srv.should_exit = True
    thread.join(10)
    lib.close()


@pytest.fixture
def browser(tmp_path):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must never fetch anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait(driver, condition, timeout=20.0):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # the page re-renders its list as results arrive: an element read mid-render is retried
    waiter = WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))
    return waiter.until(lambda d: condition(d))


def test_search_listen_more_like_this(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, root = server
    browser.get(url + "/")
    wait(browser, lambda d: "files" in d.find_element(By.ID, "status").text)
    box = browser.find_element(By.ID, "q")
    box.send_keys("rain on a tin roof", Keys.ENTER)
    rows = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#results li.hit"))
    assert len(rows) == len(SOUNDS)
    assert "rain on a tin roof" in browser.find_element(By.ID, "summary").text
    first = rows[0].find_element(By.CSS_SELECTOR, ".name").text
    assert first in {Path(n).name for n in SOUNDS}
    # waveform peaks arrive and get drawn
    wait(
        browser,
        lambda d: d.execute_script(
            "const c = document.querySelector('#results .wave');"
            "const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            "return c.width > 0 && px.some(v => v > 0)"
        ),
    )

    # keyboard: arrow down moves the selection, space plays the selected hit from its match
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_DOWN)
    assert "selected" in rows[1].get_attribute("class")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.SPACE)
    playing = wait(
        browser,
        lambda d: d.execute_script(
            "const a=document.getElementById('player');"
            "return a.readyState >= 1 && a.duration > 0 && !a.paused ? [a.src, a.duration] : null"
        ),
    )
    assert "/audio/" in playing[0] and playing[1] > 0
    assert "playing" in rows[1].get_attribute("class")
    browser.save_screenshot(str(tmp_path / "results.png"))

    # more like this: the list is replaced by the neighbours of that file, without the file itself
    name = rows[1].find_element(By.CSS_SELECTOR, ".name").text
    rows[1].find_element(By.CSS_SELECTOR, ".more").click()
    wait(browser, lambda d: f"sounds like {name}" in d.find_element(By.ID, "summary").text)
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#results .name")]
    assert len(names) == len(SOUNDS) - 1 and name not in names

    # search by sound: a file given to the drop/upload input
    browser.find_element(By.ID, "file").send_keys(str(root / "sounds" / "foley" / "glass_clink.wav"))
    wait(browser, lambda d: "dropped file glass_clink.wav" in d.find_element(By.ID, "summary").text)

    # a filter narrows the results and still answers
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.ID, "f-format")).select_by_value("FLAC")
    wait(
        browser,
        lambda d: (
            all("FLAC" in e.text for e in d.find_elements(By.CSS_SELECTOR, "#results .meta"))
            and len(d.find_elements(By.CSS_SELECTOR, "#results li.hit")) == 3
        ),
    )
    browser.save_screenshot(str(tmp_path / "filtered.png"))
    assert (tmp_path / "results.png").stat().st_size > 10_000


def test_api_docs_render_without_a_network(server, browser):
    """/docs draws every operation from files this server holds (Swagger UI from fastapi-offline)."""
    import json
    import urllib.request

    from selenium.webdriver.common.by import By

    url, _ = server
    with urllib.request.urlopen(url + "/openapi.json") as r:
        spec = json.load(r)
    methods = {"get", "post", "put", "delete", "patch"}
    operations = sum(1 for item in spec["paths"].values() for m in item if m in methods)
    browser.get(url + "/docs")
    blocks = wait(
        browser,
        lambda d: found if len(found := d.find_elements(By.CSS_SELECTOR, ".opblock")) == operations else None,
    )
    assert operations > 3 and len(blocks) == operations
    assert "clap-search" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(name.startswith(url + "/") for name in loaded), loaded
