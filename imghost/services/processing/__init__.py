"""The image pipeline: make every confirmed upload safe to serve and cheap to show.

- limits.py       the numbers (bomb limits, derivative sizes) and Pillow's one-time setup
- errors.py       Rejected: why an upload is refused (code + sentence)
- inspect.py      decode with Pillow: refuse non-images, bombs, type mismatches; dims, placeholder
- orientation.py  read the EXIF orientation, build an orientation-only EXIF block
- pixels.py       the picture as browsers show it: upright, 8-bit RGB/RGBA
- strip_*.py      lossless metadata removal per container (JPEG, PNG, WebP, GIF, AVIF/HEIC)
- bounded_reader.py  fields of an untrusted container, never read past the structure's end
- strip.py        picks the stripper for a content type
- original.py     confirm-time step: strip, inspect, re-store the original
- derivatives.py  thumbnail (512) and display (1600) WebP, off the request path
- inline.py       small images (<= 512 x 512 px): derivatives made by confirm itself
- blur.py         blurhash of the thumbnail; its tiny PNG preview for the gallery
- concurrency.py  one budget of simultaneous decodes (memory bound)
- jobs.py         a thumbnail job's claim (lease), record, retry with backoff, due picker
- worker.py       bounded thread pool, ThumbnailQueue (schedule, queue_due, backfill)
"""

from imghost.services.processing.errors import Rejected
from imghost.services.processing.original import PreparedOriginal, prepare_original
from imghost.services.processing.worker import (
    BackfillResult,
    Outcome,
    ThumbnailQueue,
    derivative_key,
)

__all__ = ["BackfillResult", "Outcome", "PreparedOriginal", "Rejected", "ThumbnailQueue",
           "derivative_key", "prepare_original"]
