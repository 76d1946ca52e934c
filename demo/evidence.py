"""Generated photo evidence for the demo: drawn by code, small, the same for the same seed.

A *before* photo is a street-side bin overflowing with rubbish (the street, the bin
and the heap of shapes vary with the seed); the *after* photo of the same seed is the
same spot cleaned up.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

from backend_client.vocab import AttachmentPhase

SIZE = (240, 180)
BIN_COLOURS = ((34, 120, 60), (40, 90, 160), (120, 120, 120), (170, 60, 40))
RUBBISH = ((200, 180, 60), (230, 230, 220), (140, 90, 50), (200, 60, 60), (90, 150, 200))


def photo(phase: AttachmentPhase, seed: int) -> bytes:
    """A JPEG of about 5–10 KB."""
    rng = random.Random(seed)  # the scene: the same before and after
    image = Image.new("RGB", SIZE, (150, 190, 225))  # sky
    draw = ImageDraw.Draw(image)
    w, h = SIZE
    draw.rectangle((0, h * 0.55, w, h), fill=(110, 110, 105))  # pavement
    draw.rectangle((0, h * 0.55, w, h * 0.6), fill=(170, 165, 150))  # kerb
    wall = (rng.randint(170, 210), rng.randint(150, 180), rng.randint(120, 150))
    draw.rectangle((0, h * 0.2, w, h * 0.55), fill=wall)
    for i in range(rng.randint(2, 4)):  # windows
        x = 15 + i * 55 + rng.randint(0, 10)
        draw.rectangle((x, h * 0.27, x + 30, h * 0.45), fill=(70, 90, 110))
    bin_colour = rng.choice(BIN_COLOURS)
    bx = rng.randint(70, 130)
    body = (bx, h * 0.45, bx + 50, h * 0.82)
    draw.rectangle(body, fill=bin_colour, outline=(20, 20, 20))
    draw.rectangle((bx - 4, h * 0.42, bx + 54, h * 0.47), fill=bin_colour, outline=(20, 20, 20))
    if phase is AttachmentPhase.BEFORE:
        rng = random.Random(f"rubbish:{seed}")
        for _ in range(rng.randint(10, 18)):  # heaped over the lid and spilling around
            cx = bx + rng.randint(-35, 85)
            cy = rng.randint(int(h * 0.33), int(h * 0.9))
            r = rng.randint(4, 11)
            shape = rng.choice(("ellipse", "rectangle", "polygon"))
            colour = rng.choice(RUBBISH)
            if shape == "ellipse":
                draw.ellipse((cx - r, cy - r, cx + r, cy + r * 0.7), fill=colour)
            elif shape == "rectangle":
                draw.rectangle((cx - r, cy - r // 2, cx + r, cy + r // 2), fill=colour)
            else:
                draw.polygon([(cx - r, cy + r), (cx, cy - r), (cx + r, cy + r)], fill=colour)
    else:
        draw.rectangle((bx + 8, h * 0.55, bx + 42, h * 0.6), fill=(240, 240, 240))  # new liner
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
