"""Hugo site files -> `Post`/`Quote` records: the only package that knows Hugo.

Enters: a site directory (its config, its post files' bytes). Leaves:
`Post` records with their `Quote`s, and `ParseWarning`s naming the file
and line of anything that could not be trusted; parsing never raises on
bad content. `hugo` finds the config, base URL and post files and maps
each to its path and URL, and `post` parses one post file (its front
matter in `front_matter`, its comments in `shortcodes`).
"""
