from django import template

register = template.Library()


@register.filter
def in_language(names: dict | None, language: str) -> str:
    """Pick LANGUAGE's text from a {'en': ..., 'ja': ..., 'zh-hans': ...} dict, falling back to English."""
    if not names:
        return ""
    return names.get(language) or names.get("en") or next(iter(names.values()), "")
