"""Benchmark: the browser view served by the real server (uvicorn, in its own process) and timed over
HTTP, against the library call that gathers the same figures, on a large synthetic store.

    python tests/benchmarks/web_benchmark.py                  # 200 economies x 500 items x 3 years
    python tests/benchmarks/web_benchmark.py --economies 40 --items 100 --years 2 --store /tmp/web.db

For each page: the library call in this process (the baseline), its JSON twin over HTTP, and the
HTML page over HTTP, each the median of several runs. Targets: each JSON twin within 1.3x of the
library call, each HTML page within 2x of its JSON twin. Exits 1 when a target is missed. The cost
of a request itself (a static file over HTTP) is measured and shown too: where the library call
takes less than ten of those, the request dominates, and the ratio is shown but not judged.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from report_benchmark import FIRST_YEAR, build_store  # noqa: E402

JSON_TARGET, HTML_TARGET = 1.3, 2.0


def pages(year: int):
    """(address, library function, its arguments) for every page with a JSON twin."""
    from tracker import history, import_log, kept_reports, overview

    return [
        ("/", overview.at_a_glance, (year,)),
        ("/matrix", overview.status_matrix, (year, None)),
        ("/economies/E001", overview.economy_page, ("E001", year)),
        ("/items/R0001", overview.item_page, ("R0001",)),
        ("/history", history.history, ("E001", None, year, None)),
        ("/imports", import_log.list_imports, ()),
        ("/reports", kept_reports.list_reports, ()),
    ]


def medians(runs, repeat: int) -> list[float]:
    """The median time of each of ``runs``, taken in turn within each repetition so that the load
    of a shared machine falls on all of them alike."""
    for run in runs:
        run()  # warm up: caches, connections
    times = [[] for _ in runs]
    for _ in range(repeat):
        for run, taken in zip(runs, times):
            start = time.perf_counter()
            run()
            taken.append(time.perf_counter() - start)
    return [statistics.median(taken) for taken in times]


def start_server(database: Path, token: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = ("import sys, uvicorn; from tracker.web.app import create_app; "
            "uvicorn.run(create_app(sys.argv[1], one_time_token=sys.argv[2]), host='127.0.0.1', "
            "port=int(sys.argv[3]), log_level='warning')")
    server = subprocess.Popen([sys.executable, "-c", code, str(database), token, str(port)])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=5).read()
            return server, base
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                sys.exit("the server did not start")
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--economies", type=int, default=200)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--store", type=Path, help="keep the synthetic store in this file (reused when it exists)")
    args = parser.parse_args()

    from tracker.store import Store

    database = args.store or Path(tempfile.mkdtemp()) / "web-benchmark.db"
    if not database.exists():
        print(f"Building {args.economies} economies x {args.items} items x {args.years} years in {database} ...")
        build_store(database, args.economies, args.items, args.years)
    year = FIRST_YEAR + args.years - 1
    token = secrets.token_urlsafe(16)
    server, base = start_server(database, token)
    store = Store(str(database))
    try:
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        browser.open(f"{base}/login/once?token={token}").read()
        missed = []
        request, = medians([lambda: browser.open(base + "/static/favicon.svg").read()], args.repeat * 4)
        print(f"One request (a static file): {request * 1000:.1f} ms")
        print(f"{'page':<18}{'library':>10}{'JSON':>10}{'HTML':>10}{'JSON/lib':>10}{'HTML/JSON':>11}")
        for path, function, arguments in pages(year):
            def library():
                with store.transaction() as session:
                    function(session, *arguments)

            query = f"?year={year}" if path in ("/", "/matrix", "/economies/E001") else (
                f"?economy=E001&year={year}" if path == "/history" else "")
            twin = ("/.json" if path == "/" else path + ".json") + query

            def fetch(address):
                return lambda: browser.open(base + address).read()

            baseline, as_json, as_html = medians([library, fetch(twin), fetch(path + query)], args.repeat)
            json_ratio, html_ratio = as_json / baseline, as_html / as_json
            flags = ("" if json_ratio <= JSON_TARGET else " JSON slow") + ("" if html_ratio <= HTML_TARGET else " HTML slow")
            if flags and baseline < 10 * request:
                flags = " (the request dominates: not judged)"
            elif flags:
                missed.append(path)
            print(f"{path:<18}{baseline:>9.3f}s{as_json:>9.3f}s{as_html:>9.3f}s{json_ratio:>9.2f}x{html_ratio:>10.2f}x{flags}")
        print(f"Targets: JSON within {JSON_TARGET}x of the library call, HTML within {HTML_TARGET}x of its JSON.")
        if missed:
            print(f"Missed on: {', '.join(missed)}")
            sys.exit(1)
    finally:
        server.terminate()
        server.wait(10)
        store.engine.dispose()


if __name__ == "__main__":
    main()
