"""The image pipeline's figures: 12 MP JPEG thumbnail + display time on one core, extra peak
memory, confirm-time cost, and the gallery's page weight. `python -m bench.thumbnails`.

The photos are made here (no downloads): gradients, shapes and sensor-like noise at
JPEG quality 88-92, which compress to 3-5 MB at 12 MP like phone photos do. Memory is
measured in a fresh child process (ru_maxrss before and after), so the figure is what
one more concurrent thumbnail job costs a server.
"""

from __future__ import annotations

import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 4000, 3000  # 12 megapixels
RUNS = 7
GALLERY_PAGE = 24
# (noise blend, JPEG quality): roughly 3, 4 and 5 MB at 12 MP.
PHOTOS = [(0.08, 88), (0.15, 90), (0.25, 92)]


def make_photo(noise: float, quality: int, seed: int = 1) -> bytes:
    base = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    image = Image.merge("RGB", (base, base.rotate(90).resize((WIDTH, HEIGHT)),
                                Image.effect_noise((WIDTH, HEIGHT), 60)))
    draw = ImageDraw.Draw(image)
    rnd = random.Random(seed)
    for _ in range(400):
        x, y = rnd.randrange(WIDTH), rnd.randrange(HEIGHT)
        draw.ellipse((x, y, x + rnd.randrange(20, 400), y + rnd.randrange(20, 400)),
                     fill=tuple(rnd.randrange(256) for _ in range(3)))
    image = Image.blend(image, Image.effect_noise((WIDTH, HEIGHT), 40).convert("RGB"), noise)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def one_core() -> None:
    """Pin to a single CPU: the budget is per core, and the pool runs one image per thread."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak() -> int:
    """Reset the kernel's high-water mark (Linux clear_refs 5); return the current RSS."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kib("VmRSS")


def peak_kib_since(rss_before: int) -> int:
    return _status_kib("VmHWM") - rss_before


def child(path: str) -> None:
    """Measure one file in this (fresh) process; print JSON."""
    from imghost.services.processing.derivatives import make_derivatives
    from imghost.services.processing.inspect import inspect_image
    from imghost.services.processing.strip import strip_metadata

    one_core()
    data = Path(path).read_bytes()
    made = make_derivatives(data, "image/jpeg")  # warm-up: plugin imports, first-use allocations
    before = reset_peak()
    make_derivatives(data, "image/jpeg")
    peak_kib = peak_kib_since(before)
    times, cpu_times = [], []
    for _ in range(RUNS):
        start, cpu_start = time.perf_counter(), time.process_time()
        make_derivatives(data, "image/jpeg")
        times.append(time.perf_counter() - start)
        # CPU time: what the job costs a free core, even when other work shares this one.
        cpu_times.append(time.process_time() - cpu_start)
    confirm_times = []
    for _ in range(3):
        start = time.perf_counter()
        inspect_image(strip_metadata(data, "image/jpeg"), "image/jpeg")
        confirm_times.append(time.perf_counter() - start)
    print(json.dumps({
        "original": len(data), "thumbnail": len(made.thumbnail), "display": len(made.display or b""),
        "median_ms": statistics.median(times) * 1000, "min_ms": min(times) * 1000,
        "cpu_ms": statistics.median(cpu_times) * 1000,
        "confirm_ms": statistics.median(confirm_times) * 1000, "peak_mib": peak_kib / 1024,
    }))


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for index, (noise, quality) in enumerate(PHOTOS):
            path = Path(folder) / f"photo{index}.jpg"
            path.write_bytes(make_photo(noise, quality, seed=index))
            measured = subprocess.run([sys.executable, "-m", "bench.thumbnails", "--child", str(path)],
                                      capture_output=True, text=True, check=True,
                                      cwd=Path(__file__).resolve().parent.parent)
            results.append(json.loads(measured.stdout))
    print(f"12 MP JPEG -> WebP display (1600) + thumbnail (512), Pillow draft mode, one core, "
          f"median of {RUNS}:")
    for r in results:
        print(f"  {r['original'] / 1e6:.1f} MB original: {r['median_ms']:.0f} ms wall "
              f"(min {r['min_ms']:.0f}), {r['cpu_ms']:.0f} ms CPU, "
              f"extra peak memory {r['peak_mib']:.0f} MiB, "
              f"confirm-time strip+check {r['confirm_ms']:.0f} ms, "
              f"thumbnail {r['thumbnail'] / 1024:.0f} KiB, display {r['display'] / 1024:.0f} KiB")
    originals = sum(r["original"] for r in results) / len(results)
    thumbnails = sum(r["thumbnail"] for r in results) / len(results)
    print(f"Gallery first screen ({GALLERY_PAGE} photos): {GALLERY_PAGE * thumbnails / 1e6:.2f} MB of "
          f"thumbnails vs {GALLERY_PAGE * originals / 1e6:.0f} MB of originals = "
          f"{100 * thumbnails / originals:.2f}% of the bytes")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
