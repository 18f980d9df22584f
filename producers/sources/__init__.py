"""One source per module; ``SOURCES`` registers them by the name the CLI uses."""

from producers.sources.folder import WatchedFolderSource
from producers.sources.jsonl import JsonlFileSource
from producers.sources.rss import RssPoller
from producers.sources.telegram import TelegramExportSource

SOURCES = {
    "file": JsonlFileSource,
    "folder": WatchedFolderSource,
    "rss": RssPoller,
    "telegram": TelegramExportSource,
}
