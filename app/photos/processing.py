"""Reading and rewriting photos with Pillow: decided by decoding, never by name or header.

``inspect_upload`` runs in the request and refuses what is not a photo we take (a cheap look:
the decoder, the dimensions, a quick decode). ``render_sizes`` runs on the worker: it decodes
under the pixel limit, turns the picture upright by its EXIF orientation, converts it to sRGB
and writes fresh files that carry no metadata at all (no EXIF, GPS, camera or ICC profile).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

try:  # HEIC/HEIF from phones, when the well-kept pillow-heif decoder is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF: tuple[str, ...] = ("HEIF",)
except ImportError:  # pragma: no cover - optional decoder
    HEIF = ()

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is refused, never half-read
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", *HEIF)
WIDTHS = (1280, 640, 320)  # the srcset sizes, in px wide; never enlarged
SOCIAL_SIZE = (1200, 630)  # Open Graph and Twitter cards
JPEG_QUALITY = 82
WEBP_QUALITY = 80
CONTENT_TYPES = {"jpg": "image/jpeg", "webp": "image/webp"}


class PhotoRefused(Exception):
    """Not a photo we take; the message says why, for the person who chose it."""


@dataclass(frozen=True)
class UploadCheck:
    """What decoding an upload found."""

    format: str
    width: int
    height: int


@dataclass(frozen=True)
class RenderedFile:
    name: str  # "1280.jpg", "640.webp", "social.jpg", ...
    data: bytes
    content_type: str


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PhotoRefused("too_many_pixels") from None
    except UnidentifiedImageError:
        raise PhotoRefused("not_a_photo") from None
    except (OSError, ValueError, SyntaxError):
        raise PhotoRefused("unreadable") from None
    if image.width * image.height > max_pixels:
        raise PhotoRefused("too_many_pixels")
    return image


def inspect_upload(data: bytes, max_pixels: int) -> UploadCheck:
    """Decode enough of the upload to know it is a JPEG, PNG, WebP (or HEIC) photo within
    the pixel limit and not cut short; raise PhotoRefused with a reason otherwise."""
    if not data:
        raise PhotoRefused("empty")
    image = _open(data, max_pixels)
    try:
        if image.format == "JPEG":
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning):
        raise PhotoRefused("unreadable") from None
    return UploadCheck(str(image.format), image.width, image.height)


def _to_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    """RGB in sRGB: transparency flattened on white, an embedded colour profile applied."""
    transparent = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if transparent:
        rgba = image.convert("RGBA")
        pixels = Image.new("RGB", rgba.size, "white")
        pixels.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode in ("RGB", "CMYK"):
        pixels = image
    else:
        pixels = image.convert("RGB")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
            converted = ImageCms.profileToProfile(pixels, source, srgb, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a profile that does not fit the pixels: they are taken as sRGB
    return pixels.convert("RGB")


def _clean(image: Image.Image) -> Image.Image:
    """A copy with pixels only: nothing of the original's metadata travels on."""
    clean = image.copy()
    clean.info = {}
    return clean


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "jpg":
        image.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()


def render_sizes(data: bytes, max_pixels: int) -> tuple[list[RenderedFile], dict[str, dict]]:
    """Every kept size of a photo (WebP and JPEG at each width, a social-card JPEG), and their
    dimensions; raise PhotoRefused when it cannot be decoded safely."""
    image = _open(data, max_pixels)
    try:
        image.seek(0)  # an animation's first frame
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
        profile = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
        picture = _clean(_to_srgb(upright, profile))
    except PhotoRefused:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning):
        raise PhotoRefused("unreadable") from None
    files: list[RenderedFile] = []
    sizes: dict[str, dict] = {}
    current = picture
    for width in WIDTHS:
        if current.width > width:
            height = max(1, round(current.height * width / current.width))
            current = current.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        current = _clean(current)
        sizes[str(width)] = {"width": current.width, "height": current.height}
        for kind in ("webp", "jpg"):
            files.append(
                RenderedFile(f"{width}.{kind}", _encode(current, kind), CONTENT_TYPES[kind])
            )
    social = _clean(
        ImageOps.fit(picture, SOCIAL_SIZE, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    )
    sizes["social"] = {"width": SOCIAL_SIZE[0], "height": SOCIAL_SIZE[1]}
    files.append(RenderedFile("social.jpg", _encode(social, "jpg"), CONTENT_TYPES["jpg"]))
    return files, sizes
