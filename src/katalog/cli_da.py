"""The command line's Danish words: click's own texts (usage, help, errors) and OS errors.

How click is made to speak Danish, and why this way: click translates every text it shows
with `_()` and `ngettext()` — the functions of the standard `gettext` module, imported into
each click module under those names and looked up there at call time. The textbook route, a
compiled catalogue bound with `gettext.bindtextdomain`, does not fit katalog: click uses the
process-wide default domain ("messages", shared with argparse and any other library), and
gettext picks the language from LANGUAGE/LC_ALL/LC_MESSAGES/LANG, so the CLI would be English
under the `C.UTF-8` locale of CI and most servers — and setting LANGUAGE ourselves would reach
git and every other child process. katalog's interface is Danish whatever the locale, so
`install()` points `_` and `ngettext` in click's own modules (and nowhere else) at the
catalogue below. Words click fixes outside gettext ("[OPTIONS]", "COMMAND [ARGS]...", a
type's metavar such as "INTEGER") are set on katalog's command classes in `cli.py`.

`tests/test_cli.py` reads every msgid from the installed click's source and fails when click
adds one that `MESSAGES`/`PLURALS` lack, and runs every command's help and a set of usage
errors looking for click's English, so a click release that changes the mechanism is caught.
"""

from __future__ import annotations

import errno
import os
import sys

# click's msgid → Danish. Placeholders are kept (str.format ignores the ones left out).
MESSAGES: dict[str, str] = {
    # help pages
    "Usage:": "Brug:",
    "Options": "Tilvalg",
    "Commands": "Kommandoer",
    "Positional arguments": "Argumenter",
    "Show this message and exit.": "Vis denne hjælp og afslut.",
    "Show the version and exit.": "Vis versionen og afslut.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "default: {default}": "standard: {default}",
    "env var: {var}": "miljøvariabel: {var}",
    "required": "påkrævet",
    "(dynamic)": "(dynamisk)",
    "deprecated": "forældet",
    "Confirm the action without prompting.": "Bekræft handlingen uden at spørge.",
    "Do you want to continue?": "Vil du fortsætte?",
    # usage errors
    "Error: {message}": "Fejl: {message}",
    "Try '{command} {option}' for help.": "Prøv '{command} {option}' for at få hjælp.",
    "No such option {name!r}.": "Ukendt tilvalg {name!r}.",
    "No such command {name!r}.": "Ukendt kommando {name!r}.",
    "Missing command.": "Der mangler en kommando.",
    "Missing argument": "Mangler argumentet",
    "Missing option": "Mangler tilvalget",
    "Missing parameter": "Mangler parameteren",
    "Missing {param_type}": "Mangler {param_type}",
    "Missing parameter: {param_name}": "Mangler parameteren: {param_name}",
    "Invalid value: {message}": "Ugyldig værdi: {message}",
    "Invalid value for {param_hint}: {message}": "Ugyldig værdi for {param_hint}: {message}",
    "Option {name!r} does not take a value.": "Tilvalget {name!r} tager ingen værdi.",
    "Argument {name!r} takes {nargs} values.": "Argumentet {name!r} tager {nargs} værdier.",
    "Invalid start character for option ({option})":
        "Ugyldigt første tegn i tilvalget ({option})",
    "Value must be an iterable.": "Værdien skal være en række af værdier.",
    "Aborted!": "Afbrudt!",
    "unknown error": "ukendt fejl",
    "Could not open file {filename!r}: {message}": "Filen {filename!r} kan ikke åbnes: {message}",
    # values (click.types); {number_type} and a path's {name} would be English, so left out
    "Choose from:\n\t{choices}": "Vælg blandt:\n\t{choices}",
    "Choice({choices})": "Valg({choices})",
    "{value!r} is not a valid {number_type}.": "{value!r} er ikke et gyldigt tal.",
    "{value} is not in the range {range}.": "{value} ligger ikke i intervallet {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} er hverken ja eller nej. Gyldige værdier: {states}",
    "{value!r} is not a valid UUID.": "{value!r} er ikke et gyldigt UUID.",
    "file": "fil",
    "directory": "mappe",
    "path": "sti",
    "{name} {filename!r} does not exist.": "{filename!r} findes ikke.",
    "{name} {filename!r} is a file.": "{filename!r} er en fil, ikke en mappe.",
    "{name} {filename!r} is a directory.": "{filename!r} er en mappe, ikke en fil.",
    "{name} {filename!r} is not readable.": "{filename!r} kan ikke læses.",
    "{name} {filename!r} is not writable.": "{filename!r} kan ikke skrives.",
    "{name} {filename!r} is not executable.": "{filename!r} kan ikke køres.",
    # prompts and terminal helpers (katalog asks nothing, but nothing stays English)
    "Repeat for confirmation": "Gentag for at bekræfte",
    "Error: The two entered values do not match.": "Fejl: De to indtastede værdier er forskellige.",
    "Error: invalid input": "Fejl: ugyldigt svar",
    "Press any key to continue...": "Tryk på en tast for at fortsætte …",
    "Unknown color {colour!r}": "Ukendt farve {colour!r}",
    "Unknown standard stream '{name}'": "Ukendt standardstrøm '{name}'",
    "d": "d",
    "{editor}: Editing failed": "{editor}: redigeringen mislykkedes",
    "{editor}: Editing failed: {e}": "{editor}: redigeringen mislykkedes: {e}",
    "Windows error: {error}": "Windows-fejl: {error}",
    "Couldn't detect Bash version, shell completion is not supported.":
        "Bash-versionen kan ikke bestemmes; fuldførelse i skallen understøttes ikke.",
    "Shell completion is not supported for Bash versions older than 4.4.":
        "Fuldførelse i skallen kræver Bash 4.4 eller nyere.",
    # mistakes in a command's declaration (a developer's, never a user's)
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "Advarsel: kommandoen {name!r} er forældet.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "Advarsel: {name!r} er forældet.{extra_message}",
    "Could not determine name for option with declarations {decls!r}":
        "Tilvalget med erklæringerne {decls!r} har intet navn",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument "
    "instead? Did you mean to pass '--{name}'?":
        "Intet tilvalg erklæret, men et navn angivet ({name}). Skulle det være et argument, "
        "eller mente du '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.":
        "Et argument har præcis én erklæring, men fik {length}: {decls}.",
    "Name '{name}' defined twice": "Navnet '{name}' er erklæret to gange",
    "Boolean option {decl!r} cannot use the same flag for true/false.":
        "Ja/nej-tilvalget {decl!r} kan ikke bruge samme flag til ja og nej.",
}

# click's (singular msgid, plural msgid) → Danish (singular, plural); Danish: n == 1 singular.
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Uventet ekstra argument ({args})", "Uventede ekstra argumenter ({args})"),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Mente du {possibility}?", "(Mente du en af: {possibilities}?)"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("Tilvalget {name!r} kræver en værdi.", "Tilvalget {name!r} kræver {nargs} værdier."),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Tager {nargs} værdier, men fik 1.", "Tager {nargs} værdier, men fik {len}."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("{value!r} er ikke {choice}.", "{value!r} er ikke en af {choices}."),
    ("{value!r} does not match the format {format}.",
     "{value!r} does not match the formats {formats}."):
        ("{value!r} passer ikke til formatet {format}.",
         "{value!r} passer ikke til nogen af formaterne {formats}."),
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("Der kræves {len_type} værdier, men der blev givet {len_value}.",
         "Der kræves {len_type} værdier, men der blev givet {len_value}."),
}


def gettext(message: str) -> str:
    """click's `_()`: the Danish text, or the msgid itself when the catalogue lacks it."""
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """click's `ngettext()` with Danish plural rules (one form for 1, another for the rest)."""
    danish = PLURALS.get((singular, plural))
    if danish is None:
        return singular if n == 1 else plural
    return danish[0] if n == 1 else danish[1]


# The click modules that translate and are loaded with `import click`; `_termui_impl`
# (pager, editor, progress bar) is loaded only by helpers katalog never calls.
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types",
                  "utils")


def install() -> None:
    """Make click speak Danish (see the module docstring). Call before commands are declared:
    `click.Path` names its kind ("mappe") when it is created."""
    import importlib

    names = list(_CLICK_MODULES)
    if any(key.endswith("_COMPLETE") for key in os.environ):
        names.append("shell_completion")  # loaded only when a shell asks for completions
    for name in names:
        module = sys.modules.get(f"click.{name}") or importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


# -- operating-system errors ----------------------------------------------------------------

# No room on the disk is a failure of the machine, not of what the user typed.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def reason(exc: OSError) -> str:
    """An OS error's cause in Danish ("ingen adgang …"), or katalog's own Danish message
    (`safefs.reason`: one table for the library and the CLI)."""
    from .safefs import reason as danish_reason

    return danish_reason(exc)


def describe(exc: OSError) -> str:
    """`path: reason` (or `path → other: reason`) for an OS error, in Danish."""
    from .safefs import UnsafeFile

    if exc.errno is None or isinstance(exc, UnsafeFile):
        return str(exc)  # katalog's own Danish message ("path: reason")
    where = [os.fsdecode(f) if isinstance(f, (str, bytes, os.PathLike)) else str(f)
             for f in (exc.filename, exc.filename2) if f is not None]
    return f"{' → '.join(where)}: {reason(exc)}" if where else reason(exc)
