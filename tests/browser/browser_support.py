"""What the browser tests share besides fixtures."""

from datetime import UTC, datetime
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"

# The admin's "now": Tuesday 10 March 2026, 12:00 UTC (13:00 in Berlin).
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def screenshot(page, name: str) -> Path:
    """Save what the viewer sees now into tests/artifacts/browser/."""
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path)
    return path


def hide_navigation(page) -> None:
    """Fold the admin's navigation sidebar away, as a reader of a wide list does."""
    page.locator("#toggle-nav-sidebar").click()
    page.evaluate("window.scrollTo(0, 0)")
