"""A paginator for the audit log that never counts millions of rows."""

import enum

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property

from .admin_queries import estimated_row_count


class CountKind(enum.StrEnum):
    """How much the paginator's count can be trusted."""

    EXACT = "exact"
    ESTIMATE = "estimate"
    AT_LEAST = "at least"


class EstimatedCountPaginator(Paginator):
    """Count exactly up to a limit; beyond it, estimate or say "more than".

    The unfiltered list takes PostgreSQL's estimate of the table size. Any
    other list counts at most `count_limit` + 1 matching rows, so a filter or
    search that matches millions stops counting early. When the count is not
    exact, every page number is allowed and a page knows whether another one
    follows by fetching one row more than it shows.
    """

    count_limit = 100_000

    @cached_property
    def counted(self) -> tuple[int, CountKind]:
        queryset = self.object_list
        if not queryset.query.has_filters():
            estimate = estimated_row_count(queryset.model)
            if estimate is not None and estimate > self.count_limit:
                return estimate, CountKind.ESTIMATE

        counted = queryset.order_by()[: self.count_limit + 1].count()
        if counted > self.count_limit:
            return self.count_limit, CountKind.AT_LEAST
        return counted, CountKind.EXACT

    @property
    def count(self) -> int:
        return self.counted[0]

    @property
    def count_kind(self) -> CountKind:
        return self.counted[1]

    @property
    def count_is_exact(self) -> bool:
        return self.count_kind is CountKind.EXACT

    def validate_number(self, number):
        if self.count_is_exact:
            return super().validate_number(number)

        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number):
        if self.count_is_exact:
            return super().page(number)

        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        has_next = len(rows) > self.per_page
        self.last_page_has_next = has_next
        return OpenEndedPage(rows[: self.per_page], number, self, has_next)

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        if self.count_is_exact:
            yield from super().get_elided_page_range(
                number, on_each_side=on_each_side, on_ends=on_ends
            )
            return

        # Known limitation: with an inexact count the last page is unknown, so
        # the links reach only a few pages ahead; going far back in time is
        # what the date filters and the date hierarchy are for.
        number = self.validate_number(number)
        first = max(1, number - on_each_side)
        if first > 1:
            yield 1
        if first > 2:
            yield self.ELLIPSIS
        if not getattr(self, "last_page_has_next", True):
            yield from range(first, number + 1)
            return
        yield from range(first, number + on_each_side + 1)
        yield self.ELLIPSIS


class OpenEndedPage(Page):
    """A page whose successor is known from the rows fetched, not from a count."""

    def __init__(self, object_list, number, paginator, has_next_page):
        super().__init__(object_list, number, paginator)
        self.has_next_page = has_next_page

    def has_next(self):
        return self.has_next_page
