"""Where a long indexing run stands: posts done, comments a second, time left.

On a terminal a progress bar; anywhere else (cron, systemd) one line every
`LOG_SECONDS`, so a log shows progress instead of ten silent minutes, and a
last line when every post is read and the index is being written.
"""

from __future__ import annotations

import time

import click

LOG_SECONDS = 10.0


class BuildProgress:
    """The `progress` callback of `update_index`: called with (posts done, posts, comments)."""

    def __init__(self, stream, tty: bool, every: float = LOG_SECONDS, clock=time.monotonic):
        self.stream, self.tty, self.every, self.clock = stream, tty, every, clock
        self.started = clock()
        self.logged = self.started
        self.bar = None

    def __call__(self, done: int, total: int, comments: int) -> None:
        rate = comments / max(self.clock() - self.started, 1e-9)
        if self.tty:
            self._draw(done, total, f"{comments:,} comments, {rate:,.0f}/s")
        elif done == total:
            self._log(
                f"indexing: all {total:,} posts read, {comments:,} comments, {rate:,.0f} comments/s; writing the index"
            )
        elif self.clock() - self.logged >= self.every:
            self.logged = self.clock()
            left = (self.clock() - self.started) * (total - done) / done
            self._log(
                f"indexing: {done:,}/{total:,} posts ({done / total:.0%}), {comments:,} comments, "
                f"{rate:,.0f} comments/s, about {_duration(left)} left"
            )

    def _draw(self, done: int, total: int, figures: str) -> None:
        if self.bar is None:
            self.bar = click.progressbar(
                length=total, label="indexing", file=self.stream, item_show_func=lambda item: item
            )
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos, figures)

    def _log(self, line: str) -> None:
        click.echo(line, file=self.stream)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _duration(seconds: float) -> str:
    """`3 min 12 s`, `45 s`."""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"
