from django import template

register = template.Library()


@register.filter
def in_language(names: dict | None, language: str) -> str:
    """Pick LANGUAGE's text from a {'en': ..., 'ja': ..., 'zh-hans': ...} dict, falling back to English."""
    if not names:
        return ""
    return names.get(language) or names.get("en") or next(iter(names.values()), "")


@register.filter
def minutes(delta) -> int:
    """Whole minutes of a timedelta, rounded up (for "locked for N minutes")."""
    if delta is None:
        return 0
    return max(1, -(-int(delta.total_seconds()) // 60))
