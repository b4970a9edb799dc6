"""The visible signature: Norwegian words in an embedded DejaVu subset, so the signed file stays PDF/A."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

from .common import SignError

FONT_FILE = Path(os.environ.get("RUTINEBOK_FONT_DIR", "/usr/share/fonts/truetype/dejavu")) / "DejaVuSans.ttf"


def _font_factory(font_file: Path, font_size: int = 8):
    """pyHanko's OpenType font engine, measuring in 1/1000 em.

    pyHanko 0.38 writes a TrueType font's glyph widths (/W) in the font's own units; PDF
    wants 1/1000 em, so a font with 2048 units per em (DejaVu) came out twice as wide.
    Shaping and measuring in 1000 units per em gives the right widths for any font.
    """
    from dataclasses import dataclass as _dataclass

    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    class Accumulator(GlyphAccumulator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._to_milli = 1000 / self.units_per_em
            self.hb_font.scale = (1000, 1000)
            self.units_per_em = 1000

        def _extract_subset(self, options=None):
            # pyHanko drops the layout tables from the subset (shaping is done by then), but
            # fontTools 4.68 decompiles them before it drops them: a tenth of a second for
            # DejaVu. Removing them first gives the same subset without reading them.
            if options is None:
                if "GPOS" in self.tt and "kern" in self.tt:
                    del self.tt["kern"]  # what fontTools does with a legacy kern table beside GPOS
                for tag in ("GPOS", "GDEF", "GSUB"):
                    if tag in self.tt:
                        del self.tt[tag]
            super()._extract_subset(options)

        def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
            if glyph_id not in self._glyphs:
                cid, width = super()._get_cid_and_width(glyph_id)
                self._glyphs[glyph_id] = (cid, round(width * self._to_milli))
            return self._glyphs[glyph_id]

    @_dataclass(frozen=True)
    class Factory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer, obj_stream=None):
            with open(self.font_file, "rb") as fh:
                handle = io.BytesIO(fh.read())
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return Accumulator(writer=writer, font_handle=handle, font_size=self.font_size,
                               ot_script_tag=self.ot_script_tag, ot_language_tag=self.ot_language_tag,
                               writing_direction=self.writing_direction, bcp47_lang_code="nb",
                               obj_stream=obj_stream)

    return Factory(str(font_file), font_size=font_size)


def stamp_text(signer_name: str, party_name: str, when: dt.datetime, from_timestamp: bool) -> str:
    """The words in the visible signature: who, for whom, when and whose clock said so."""
    try:
        from zoneinfo import ZoneInfo

        local, zone = when.astimezone(ZoneInfo("Europe/Oslo")), "norsk tid"
    except Exception:  # noqa: BLE001 - no time zone data: UTC
        local, zone = when.astimezone(dt.UTC), "UTC"
    source = "tid fra tidsstempeltjenesten" if from_timestamp else "tid fra klokken til den som signerte"
    text = (f"Signert digitalt av {signer_name},\nfor {party_name},\n{local:%d.%m.%Y kl. %H:%M} {zone}\n({source})")
    return text.replace("%", "%%")  # pyHanko fills %(name)s fields; names are text


def _stamp_style(text: str):
    import logging

    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # "FFTM NOT subset" notes from subsetting
    if not FONT_FILE.is_file():
        raise SignError(f"fant ikke skriften {FONT_FILE}; installer Debian-pakken fonts-dejavu-core. Uten den "
                        "blir den signerte filen ikke PDF/A")
    # Drawn with an embedded DejaVu subset, as PDF/A requires, so every name shows as written.
    text_box = TextBoxStyle(font=_font_factory(FONT_FILE), font_size=7, leading=9)
    return TextStampStyle(stamp_text=text, text_box_style=text_box, border_width=0, background=None)


def _trusted_now(timestamper) -> dt.datetime | None:
    """The time a timestamp authority gives now, for the visible stamp."""
    import asyncio
    import hashlib

    token = asyncio.run(timestamper.async_timestamp(hashlib.sha256(b"rutinebok").digest(), "sha256"))
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    return tst_info["gen_time"].native
