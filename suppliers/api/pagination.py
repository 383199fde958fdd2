"""Cursor pagination: stable under inserts and O(page) at any depth, which page numbers are not on a
list of 100,000 products."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class PortalCursorPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"
